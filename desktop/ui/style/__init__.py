"""The look: colours from the palette, fonts, and glyphs drawn with QPainter."""
