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

Linear algebra runs on one thread (``one_blas_thread``). numpy's OpenBLAS otherwise starts a
thread per core for every product of matrices of a hundred rows or so: the forecast (a matrix
exponential of 141 x 141 generators, the projection's products) then took 2.3-2.6 s of CPU in
the run's preparation instead of 1.1 s, the extra thread spinning on the core the preparation's
other half runs on. One thread also makes its last bits of rounding the same on every machine
(a threaded product splits its sums by the number of cores).

Standard library only: it runs before the heavy imports. Importing this module applies it (the
command line and the kernel server import it first thing; pytest loads it as a plugin, with
``-p csc_metrics.startup`` in ``pyproject.toml``, before its other plugins import nbformat).
"""

from __future__ import annotations

import os
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


#: Environment variables that make a BLAS library loaded after them use one thread: numpy's
#: bundled OpenBLAS, and Intel's MKL where numpy is built on it.
ONE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Have the BLAS library numpy loads use one thread, unless the environment says otherwise.

    The library reads its thread count when it is loaded, so this works before numpy is
    imported (the command line, the kernel server and pytest import this module first); a
    value already set is kept.
    """
    for name in ONE_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


# Importing the module is what its users want: pytest loads it as a plugin (``-p``) before it
# imports the other plugins, and has no earlier hook to call.
skip_slow_optional_imports()
one_blas_thread()
