"""Writing ``summary.json``, the machine-readable summary of a run, into the report folder.

The facts come from ``views.summary.summary_facts`` (built with the report context, ahead of the
notebooks); this module only writes them beside the landing page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The summary's file name in ``reports/<period>/``.
SUMMARY_NAME = "summary.json"


def write_summary(facts: dict[str, Any], path: Path) -> Path:
    """Write the run's summary facts as JSON (UTF-8, indented, keys in their given order).

    Args:
        facts: From ``views.summary.summary_facts``.
        path: Where to write it.

    Returns:
        The path.
    """
    path.write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
