"""What the transfer benchmarks share: nginx and the Envelope server on loopback, test files, curl timings."""
