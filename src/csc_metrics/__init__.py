"""csc-metrics: children's social care performance metrics for English local authorities."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("csc-metrics")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"


def project_root() -> Path | None:
    """The source checkout holding the package (with ``pyproject.toml``), or None if installed."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


__all__ = ["__version__", "project_root"]
