"""The package's layers: no module imports from a layer above its own.

The layers, lowest first, are described in docs/architecture.md ("Layers"). A module may import
from its own layer and from any layer below it, never from one above: the data flow from raw
files to reports reads the same way as the imports. Every import is checked, including those
inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "csc_metrics"

#: Layer -> the modules and packages in it (dotted names under ``csc_metrics``). A module named
#: ``cli`` in any package is a command line, the top layer. The package itself
#: (``csc_metrics/__init__.py``: version, project root) is a foundation.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundations": (
        "",
        "errors",
        "startup",
        "settings",
        "catalogue",
        "reference_files",
        "formatting",
        "dates",
        "council_files",
        "schemas",
        "storage",
        "quality",
        "quality_rules",
        "privacy",
        "distinct",
        "raw_text",
        "fingerprints",
        "ingest_cache",
        "folders",
        "locks",
        "forked",
        "memory",
    ),
    "ingest": (
        "ssda903",
        "caseload",
        "reference_data",
        "geography",
        "pipeline",
        "shipped_sample",
        "sample",
    ),
    "indicators": ("indicators", "benchmarks"),
    "analysis": (
        "spc",
        "gaps",
        "suppression",
        "narrative",
        "ranking",
        "forecast",
        "change_points",
        "artefacts",
    ),
    "presentation": ("charts", "html_tables", "scorecards", "display", "views"),
    "report": ("report",),
    "cli": ("cli",),
}
RANK = {layer: rank for rank, layer in enumerate(LAYERS)}


def module_names() -> list[str]:
    """Every module of the package, as a dotted name under ``csc_metrics`` ('' for the package)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def layer_of(name: str) -> str | None:
    """The layer of a module or package (dotted name under ``csc_metrics``), or None."""
    if name.split(".")[-1] == "cli":
        return "cli"
    found = None
    for layer, members in LAYERS.items():
        for member in members:
            matches = name == member or (member and name.startswith(member + "."))
            if matches and (found is None or len(member) > len(found[1])):
                found = (layer, member)
    return found[0] if found else None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """The ``csc_metrics`` modules a file imports, as (line, dotted name under ``csc_metrics``).

    ``from csc_metrics.views import opening`` imports both ``views`` and ``views.opening``;
    ``from csc_metrics import benchmarks`` imports ``benchmarks``.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use an absolute import"
            module = node.module or ""
            targets = [module] + [
                f"{module}.{alias.name}" for alias in node.names if _is_module(module, alias.name)
            ]
        else:
            continue
        found += [
            (node.lineno, target.removeprefix("csc_metrics").lstrip("."))
            for target in targets
            if target == "csc_metrics" or target.startswith("csc_metrics.")
        ]
    return found


def _is_module(module: str, name: str) -> bool:
    """Whether ``from module import name`` imports a module of the package."""
    if not (module == "csc_metrics" or module.startswith("csc_metrics.")):
        return False
    path = PACKAGE.joinpath(*module.split(".")[1:], name)
    return path.is_dir() or path.with_suffix(".py").is_file()


def test_every_module_belongs_to_a_layer():
    unplaced = [name for name in module_names() if layer_of(name) is None]
    assert unplaced == [], f"add these modules to a layer in LAYERS: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        own = layer_of(name)
        for line, target in imported_modules(path):
            theirs = layer_of(target)
            if theirs is not None and RANK[theirs] > RANK[own]:
                upward.append(
                    f"{path.relative_to(PACKAGE)}:{line} ({own}) imports {target} ({theirs})"
                )
    assert upward == []


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("storage", "foundations"),
        ("ssda903.reading", "ingest"),
        ("indicators.caseloads", "indicators"),
        ("benchmarks.cli", "cli"),
        ("views.report_context", "presentation"),
        ("report.runner", "report"),
        ("", "foundations"),
    ],
)
def test_layer_of_a_module(name, layer):
    assert layer_of(name) == layer


def test_an_upward_import_is_found(tmp_path):
    # A foundation importing the views, inside a function: the walk finds it and its layer.
    path = tmp_path / "storage.py"
    path.write_text("def f():\n    from csc_metrics.views import opening\n", encoding="utf-8")
    assert [(line, layer_of(target)) for line, target in imported_modules(path)] == [
        (2, "presentation"),
        (2, "presentation"),
    ]


def _dotted_references() -> list[str]:
    """Modules and functions named in strings: imported by name, so no import checks them."""
    from csc_metrics.cli import COMMANDS
    from csc_metrics.report.forkserver import WARM_CALLS, WARM_IMPORTS
    from csc_metrics.report.runner import PRELOAD_FUNCTION

    own = [m for m in WARM_IMPORTS if m.startswith("csc_metrics")]
    return [*own, *WARM_CALLS, PRELOAD_FUNCTION, *(module for module, _ in COMMANDS.values())]


@pytest.mark.parametrize("reference", _dotted_references())
def test_every_module_named_in_a_string_exists(reference):
    module, _, function = reference.partition(":")
    imported = importlib.import_module(module)
    assert not function or callable(getattr(imported, function, None))


def test_the_views_only_read_processed_data():
    # Ingesting is the run's job (and shipped_sample's, for the sample): no view reads raw files.
    readers = ("pipeline", "ssda903", "caseload", "reference_data", "sample")
    found = [
        f"{path.relative_to(PACKAGE)}:{line} imports {target}"
        for path in sorted((PACKAGE / "views").rglob("*.py"))
        for line, target in imported_modules(path)
        if target.split(".")[0] in readers
    ]
    assert found == []
