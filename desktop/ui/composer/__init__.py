"""Writing a message: the text editor, the tray of attachments, dropping files."""
