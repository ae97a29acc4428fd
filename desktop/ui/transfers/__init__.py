"""The transfers panel: every upload and download, with progress and controls, like a browser's downloads."""
