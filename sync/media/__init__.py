"""The media pipeline: sniffing, probing, thumbnails and compression, run on untrusted files safely."""
