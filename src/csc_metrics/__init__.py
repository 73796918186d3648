"""csc-metrics: children's social care performance metrics for English local authorities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("csc-metrics")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
