"""What screen readers hear and keyboards reach: accessible text, announcements, moving between panes."""
