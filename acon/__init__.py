"""Acon harness: run agents with and without context compression, optimize the
compression guidelines, track and export them."""

from acon.errors import AconError

__all__ = ["AconError"]
__version__ = "0.2.0"
