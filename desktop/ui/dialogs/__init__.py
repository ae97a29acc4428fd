"""The app's dialogs: sign-in, settings, new conversation."""
