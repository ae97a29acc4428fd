"""The media viewer: photos, videos and audio one at a time, and inline voice-note playback."""
