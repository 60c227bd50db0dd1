"""The library's version, recorded in every audit record."""

__version__ = "0.1.0.dev0"
