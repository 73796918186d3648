"""What csc-metrics' own processes set up before importing their libraries."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from csc_metrics.startup import ONE_THREAD_VARIABLES, SKIPPED_OPTIONAL_IMPORTS, one_blas_thread

#: Each test starts a Python process (up to a second of CPU): left out of `make test-fast`.
pytestmark = pytest.mark.slow


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_jsonschema_and_nbformat_work_without_the_skipped_grammar_module():
    # Validating a notebook needs no "iri" format check, so nothing is lost by the skip.
    out = run_python(
        """
        import sys
        from csc_metrics.startup import skip_slow_optional_imports
        skip_slow_optional_imports()
        import nbformat
        from nbformat.v4 import new_code_cell, new_notebook
        nbformat.validate(new_notebook(cells=[new_code_cell("1 + 1")]))
        print(sys.modules.get("rfc3987_syntax", "absent"))
        """
    )
    assert out == "None"


def test_a_module_imported_already_is_left_as_it_is():
    out = run_python(
        """
        import sys, types
        sys.modules["rfc3987_syntax"] = types.ModuleType("rfc3987_syntax")
        from csc_metrics.startup import skip_slow_optional_imports
        skip_slow_optional_imports()
        print(type(sys.modules["rfc3987_syntax"]).__name__)
        """
    )
    assert out == "module"


def test_the_command_line_skips_them_before_importing_a_command():
    out = run_python(
        """
        import sys
        from csc_metrics.cli import main
        try:
            main(["indicators", "--help"])
        except SystemExit:
            pass
        from csc_metrics.startup import SKIPPED_OPTIONAL_IMPORTS as skipped
        print(sorted(n for n in skipped if n in sys.modules and sys.modules[n] is None))
        """
    )
    assert out.splitlines()[-1] == str(sorted(SKIPPED_OPTIONAL_IMPORTS))


def test_linear_algebra_is_set_to_one_thread(monkeypatch):
    for name in ONE_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    one_blas_thread()
    assert {name: os.environ[name] for name in ONE_THREAD_VARIABLES} == dict.fromkeys(
        ONE_THREAD_VARIABLES, "1"
    )


def test_a_thread_count_the_environment_gives_is_kept(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"


def test_the_command_line_sets_one_thread_before_numpy_is_loaded():
    out = run_python(
        """
        import os, sys
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
        import csc_metrics.cli
        print("numpy" in sys.modules, os.environ.get("OPENBLAS_NUM_THREADS"))
        """
    )
    assert out == "False 1"
