"""What the app says about its state: the connection indicator and tray notifications."""
