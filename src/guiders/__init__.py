"""Guiders: self-hostable live chat with an AI first line."""

__version__ = "0.1.0"
