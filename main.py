"""Envelope's entry point: ``python main.py --help``."""

from desktop.ui.app import launch

if __name__ == "__main__":
    launch()
