"""The conversation list (model, delegate, view) and the pane that shows one conversation."""
