"""A conversation's gallery of media and files: model, delegate and the window."""
