"""The package version: one place, read by the build (pyproject) and written into every log."""

__version__ = "0.4.0"

__all__ = ["__version__"]
