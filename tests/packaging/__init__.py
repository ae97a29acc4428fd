"""Tests of the built and installed package."""
