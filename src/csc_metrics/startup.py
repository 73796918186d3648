"""What a csc-metrics process sets up before it imports the libraries it runs on.

One optional import costs every process that reads or writes a notebook far more than it
gives: ``jsonschema`` (which ``nbformat`` validates notebooks with) imports ``rfc3987_syntax``, if
installed, to check the "iri" string format, and that package builds a grammar with ``lark`` as
it is imported: about 1.8 s of CPU, in the run, in the kernel server, in every test worker. It
is installed only as an extra of ``jsonschema[format-nongpl]``, which JupyterLab's server
requires, and nothing here checks IRIs: notebook validation never uses that format. So the
command line, the kernel server and the tests mark it as absent before anything imports
jsonschema: ``jsonschema`` then simply has no "iri" format check, as when the package is not
installed. Code that imports ``csc_metrics`` as a library (a notebook in JupyterLab) is left
alone.

Standard library only: it runs before the heavy imports. Importing this module applies it (the
command line and the kernel server import it first thing; pytest loads it as a plugin, with
``-p csc_metrics.startup`` in ``pyproject.toml``, before its other plugins import nbformat).
"""

from __future__ import annotations

import sys

#: Optional third-party imports not made in csc-metrics' own processes: module -> why.
SKIPPED_OPTIONAL_IMPORTS: dict[str, str] = {
    "rfc3987_syntax": (
        "jsonschema's 'iri' format check; builds a lark grammar on import (about 1.8 s of CPU), "
        "and notebook validation never checks that format"
    ),
}


def skip_slow_optional_imports() -> None:
    """Mark each of ``SKIPPED_OPTIONAL_IMPORTS`` as absent, unless it is imported already.

    A module set to None in ``sys.modules`` raises ``ImportError`` when imported, which is what
    the libraries importing it optionally expect when it is not installed.
    """
    for name in SKIPPED_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


# Importing the module is what its users want: pytest loads it as a plugin (``-p``) before it
# imports the other plugins, and has no earlier hook to call.
skip_slow_optional_imports()
