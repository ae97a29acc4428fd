"""Media the screens share: thumbnails decoded off the GUI thread, opening and saving files."""
