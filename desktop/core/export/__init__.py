"""Copying media out of Envelope into a folder: bulk save from the gallery and a conversation's export."""
