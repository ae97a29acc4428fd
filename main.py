"""Envelope's entry point: ``python main.py --help``."""

import sys

from desktop.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
