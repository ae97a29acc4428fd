"""A conversation's timeline: model, view, delegate and the geometry of its rows."""
