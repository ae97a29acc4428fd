"""Copying media out into a folder: the progress window and the flows that start it."""
