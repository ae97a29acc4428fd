"""The storage view in Settings: space by kind, conversations by size with Clear media, the largest items."""
