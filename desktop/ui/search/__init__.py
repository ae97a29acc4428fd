"""Search across conversations: model, delegate and the dialog."""
