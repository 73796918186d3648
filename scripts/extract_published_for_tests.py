"""Cut the published DfE files down to the rows the benchmark build reads, for the tests.

``tests/unit/benchmarks/test_data.py`` checks the packaged benchmark data against the published
DfE files and rebuilds it with ``scripts/build_benchmarks.py``. The full files (16 MB) live
outside the repository, in ``../shared/reference``, which a clean checkout on a CI machine does not
have. This script writes ``tests/fixtures/published/``: the same files, in the same layout,
keeping only the columns and breakdown rows that ``reference/benchmark_measures.csv`` names
(plus the EET categories the build checks its totals against), every area and every year. The
rows are copied as published, never changed.

Before writing anything it builds the package tables from the full files and from the
extracts and stops unless the two are identical, so the extracts can stand in for the
published files in every test.

Run it (``python scripts/extract_published_for_tests.py``) after a new DfE release has been
copied into ``../shared/reference`` and ``make benchmarks-data`` has been run.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "reference"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "fixtures" / "published"
#: Files copied whole: the statistical neighbour models and England's adoption stage averages
#: are small and read whole.
WHOLE_FILES = (
    "sn_model_*_wide.csv",
    "New_Statistical_Neighbour_Groupings_*.csv",
    "national_cla_adopted_average_time_between_adoption_process_stages.csv",
)

NOTE = """# Extracts of published DfE files, for the tests

Public aggregate statistics (no child-level data): Department for Education, published under the
Open Government Licence v3.0. Copied from the DfE "Children's social care: outcomes and
enablers" repository, github:dfe-analytical-services/CSC_outcomes_and_enablers (commit {commit}),
as kept in the project's shared reference folder (`../shared/reference`, see its README).

`dfe/` holds the underlying data files of the packaged benchmarks, cut down to the columns and
breakdown rows that `src/csc_metrics/reference/benchmark_measures.csv` reads (every area, every
year); the two statistical neighbour files and England's adoption stage averages are whole.
`benchmarks.csv` and `sources.csv` are the curated rows of CLA at 31 March by distance and
locality, and the sources they cite. Every kept row is as published.

Written by `python scripts/extract_published_for_tests.py`, which first checks that
`scripts/build_benchmarks.py` builds byte-identical package tables from these extracts and from
the full files. `tests/unit/benchmarks/test_data.py` reads them, so its checks run on any machine.
"""


#: Reasons ceased whose published neighbours' medians the tests compare with the package's.
CEASED_MEDIANS_COMPARED = ("Adopted", "Special guardianship order")


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_benchmarks", REPO_ROOT / "scripts" / "build_benchmarks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keep_rows(frame: pd.DataFrame, specs: pd.DataFrame, extra_labels: set[str]) -> pd.Series:
    """Rows any measure of the file reads: its group, and its breakdown labels if it has some."""
    keep = pd.Series(False, index=frame.index)
    for spec in specs.itertuples(index=False):
        rows = pd.Series(True, index=frame.index)
        if spec.group_column:
            rows &= frame[spec.group_column].str.strip() == spec.group
        if spec.label_column:
            labels = {*spec.numerator.split("|"), spec.denominator, spec.value} - {""}
            rows &= frame[spec.label_column].str.strip().isin(labels | extra_labels)
        keep |= rows
    return keep


def _keep_columns(frame: pd.DataFrame, specs: pd.DataFrame, area_columns: list[str]) -> list[str]:
    """Area columns, grouping and label columns, and the value columns the measures name."""
    wanted = set(area_columns)
    for spec in specs.itertuples(index=False):
        wanted |= {spec.group_column, spec.label_column} - {""}
        if spec.label_column:
            # A breakdown file's one count and one percentage column.
            wanted |= {c for c in frame.columns if c.endswith(("_count", "_percent"))}
        else:
            for columns in (spec.value, spec.numerator, spec.denominator):
                wanted |= set(columns.split("+"))
    return [c for c in frame.columns if c in wanted]


def extract(source: Path, output: Path) -> list[Path]:
    """Write the extracts of ``source`` (a shared reference folder) into ``output``.

    Args:
        source: Folder holding ``dfe/``, ``benchmarks.csv``, ``sources.csv`` and ``README.md``.
        output: Folder to write, in the same layout.

    Returns:
        The files written.
    """
    build = _build_module()
    measures = pd.read_csv(build.MEASURES_FILE, dtype=str, keep_default_na=False)
    dfe, out_dfe = source / "dfe", output / "dfe"
    out_dfe.mkdir(parents=True, exist_ok=True)
    written = []
    for key, (pattern, _publisher) in build.FILES.items():
        path = build.find_file(dfe, pattern)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        specs = measures[measures["source_key"] == key]
        extra = set(build.EET_COMPONENTS) if key == "clact" else set()
        rows = _keep_rows(frame, specs, extra)
        area_columns = build.AREA_COLUMNS
        if key == "ceased":
            # The children-who-ceased file names its areas and counts in its own columns, and
            # adds the dashboard's neighbours' medians, which the build does not read: only the
            # latest year's for the two shares the tests compare with ours are kept.
            area_columns = [*build.CEASED_COLUMNS, "geo_breakdown_sn"]
            medians = frame["geographic_level"].eq("Statistical neighbours (median)")
            compared = frame["characteristic"].isin(CEASED_MEDIANS_COMPARED) & frame[
                "time_period"
            ].eq(frame["time_period"].max())
            rows &= ~medians | compared
        columns = _keep_columns(frame, specs, area_columns)
        frame.loc[rows, columns].to_csv(out_dfe / path.name, index=False, lineterminator="\n")
        written.append(out_dfe / path.name)
    for pattern in WHOLE_FILES:
        path = build.find_file(dfe, pattern)
        shutil.copyfile(path, out_dfe / path.name)
        written.append(out_dfe / path.name)

    curated = measures[measures["source_key"] == "curated"]
    labels = set(curated["value"]) | set(curated["numerator"]) | set(curated["denominator"])
    table = pd.read_csv(source / "benchmarks.csv", dtype=str, keep_default_na=False)
    table = table[table["indicator"].str.strip().isin(labels)]
    table.to_csv(output / "benchmarks.csv", index=False, lineterminator="\n")
    described = pd.read_csv(source / "sources.csv", dtype=str, keep_default_na=False)
    described = described[described["source_id"].isin(table["source_id"].str.strip())]
    described.to_csv(output / "sources.csv", index=False, lineterminator="\n")
    (output / "README.md").write_text(
        NOTE.format(commit=build.commit_of(dfe) or "unknown"), encoding="utf-8"
    )
    return [*written, output / "benchmarks.csv", output / "sources.csv", output / "README.md"]


def same_build(full: Path, extracts: Path) -> list[str]:
    """Names of the package tables that differ when built from the full files and the extracts."""
    build = _build_module()
    built = [
        build.build(folder / "dfe", folder / "benchmarks.csv")[0] for folder in (full, extracts)
    ]
    return [name for name, table in built[0].items() if not table.equals(built[1][name])]


def main(argv: list[str] | None = None) -> int:
    """Extract, check the extracts build the same tables, then replace the output folder.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 2 when the source is missing or the extracts would build other tables.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not (args.source / "dfe").is_dir():
        print(f"extract: {args.source / 'dfe'} does not exist; pass --source DIR.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch) / "published"
        written = extract(args.source, staging)
        differ = same_build(args.source, staging)
        if differ:
            print(
                f"extract: the extracts would build different {', '.join(differ)}; "
                "nothing written.",
                file=sys.stderr,
            )
            return 2
        shutil.rmtree(args.output, ignore_errors=True)
        shutil.copytree(staging, args.output)
    size = sum(p.stat().st_size for p in args.output.rglob("*") if p.is_file())
    print(f"wrote {len(written)} files ({size / 1024:.0f} KB) to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
