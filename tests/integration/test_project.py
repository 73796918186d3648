"""Project-level checks: the two dependency lists agree, the CLI answers, CI calls make test."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normalise(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_normalise(r) for r in reqs)


def _environment_requirements() -> dict[str, str]:
    reqs: dict[str, str] = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:") :].splitlines():
        item = re.match(r"^\s*-\s+(?!-e\b)([A-Za-z][^#]*)$", line)
        if not item or item.group(1).strip() in ("pip", "pip:"):
            continue
        name, bound = _normalise(item.group(1).strip())
        if name != "python":
            reqs[name] = bound
    return reqs


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_installs_the_package_itself():
    assert "- -e ." in (ROOT / "environment.yml").read_text()


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", script, re.M)


def test_readme_gives_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_screen = readme[: readme.index("\n## ", readme.index("make test"))]
    assert "make report" in first_screen and "make test" in first_screen


def test_cli_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "csc_metrics.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("sample", "ingest", "indicators", "benchmarks", "run"):
        assert command in result.stdout


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    targets = re.findall(r"^([a-z][a-z-]+):.*## ", makefile, re.M)
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    for target in targets:
        assert f"make {target}" in result.stdout


def test_every_benchmark_script_imports_what_it_names():
    # The benchmarks are scripts, run by hand and by `make bench`, not by the tests: a module
    # they import that was renamed or removed would only show when someone next measured.
    scripts = sorted((ROOT / "benchmarks").glob("*.py"))
    assert scripts
    code = (
        "import importlib.util, sys\n"
        "for path in sys.argv[1:]:\n"
        "    name = 'benchmark_' + path.rsplit('/', 1)[-1].removesuffix('.py')\n"
        "    spec = importlib.util.spec_from_file_location(name, path)\n"
        "    sys.modules[name] = module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, scripts)],
        capture_output=True,
        text=True,
        cwd=ROOT / "benchmarks",
    )
    assert result.returncode == 0, result.stderr[-2000:]
