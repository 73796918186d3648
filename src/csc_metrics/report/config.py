"""The parameters of one quarterly run, checked before anything is read or written."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csc_metrics import dates, project_root
from csc_metrics.change_points import read_change_points
from csc_metrics.errors import ParameterError

if TYPE_CHECKING:
    # Only for annotations: the command line starts the kernel server before importing pandas.
    import pandas as pd

#: Benchmark comparators a notebook can be asked to use.
COMPARATORS = ("england", "region", "sn")

#: English council codes: E06 unitary, E08 metropolitan, E09 London borough, E10 county.
LA_CODE_PATTERN = re.compile(r"^E(06|08|09|10)\d{6}$")

#: Words in a notebook's file name that mark the notebook rendered once per team (--per-team).
TEAM_NOTEBOOK_MARKER = "caseload"

#: Folder names under the output folder that the runner owns (never a period's report).
PROCESSED_FOLDER = "_processed"
FAILED_FOLDER = "_failed"
LOGS_FOLDER = "logs"

DEFAULT_CELL_TIMEOUT = 600


def available_cores() -> int:
    """Return the number of CPU cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_notebooks_dir() -> Path:
    """Return the project's ``notebooks/`` folder.

    For an editable install (or a source checkout on ``PYTHONPATH``) this is the ``notebooks``
    folder next to ``src/``; otherwise ``./notebooks`` in the working directory.
    """
    root = project_root()
    if root is not None and (root / "notebooks").is_dir():
        return root / "notebooks"
    return Path.cwd() / "notebooks"


def discover_notebooks(folder: Path) -> list[Path]:
    """List the report notebooks of a folder in reading order.

    Notebooks whose names start with ``_`` or ``.`` (drafts, checkpoints) are left out.

    Args:
        folder: The notebooks folder.

    Returns:
        The notebooks, sorted by file name (``00_overview.ipynb`` first).

    Raises:
        ParameterError: If the folder does not exist or holds no notebook.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(
            f"The notebooks folder {folder} does not exist. Give the folder of report "
            "notebooks with --notebooks DIR."
        )
    notebooks = sorted(
        p for p in folder.glob("*.ipynb") if not p.name.startswith(("_", ".")) and p.is_file()
    )
    if not notebooks:
        raise ParameterError(f"The notebooks folder {folder} holds no .ipynb notebook.")
    return notebooks


def team_notebook(notebooks: list[Path]) -> Path:
    """Return the notebook rendered once per team (the caseload report).

    Raises:
        ParameterError: If no notebook's name contains ``caseload``.
    """
    for notebook in notebooks:
        if TEAM_NOTEBOOK_MARKER in notebook.stem.lower():
            return notebook
    names = ", ".join(n.name for n in notebooks)
    raise ParameterError(
        f"--per-team needs a caseload notebook (a name containing '{TEAM_NOTEBOOK_MARKER}'); "
        f"the notebooks folder holds: {names}."
    )


def slugify(text: str) -> str:
    """Make a file-name-safe, lower-case slug (``"Assessment North"`` -> ``assessment-north``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "team"


def council_name(la_code: str, la_name: str | None, raw: Path) -> str:
    """The council's name for titles: ``--la-name``, else the shipped ``councils.csv``'s.

    Data the synthetic generator wrote are called ``shipped_sample.SAMPLE_COUNCIL_NAME``
    whatever code they borrow, so a sample report never carries a real council's name.

    Args:
        la_code: The council's code, checked (upper case).
        la_name: ``--la-name`` as given, or None.
        raw: The raw data folder.

    Returns:
        The name; the code itself when ``councils.csv`` does not list it.
    """
    given = (la_name or "").strip()
    if given and given.upper() != la_code:
        return given
    # Imported here: the command line reads this module before it may import pandas.
    from csc_metrics.shipped_sample import SAMPLE_COUNCIL_NAME, is_synthetic_raw

    if is_synthetic_raw(raw):
        return SAMPLE_COUNCIL_NAME
    import csv
    from importlib.resources import files

    councils = files("csc_metrics") / "reference" / "councils.csv"
    text = councils.read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        if la_code in (row["la_code_new"].upper(), row["la_code_old"].upper()):
            return row["la_name"]
    return la_code


def parse_period_end(value: str) -> str:
    """Check a ``--period-end`` value (``dates.parse_period_end``) and keep it as text.

    Args:
        value: ``latest`` or a date as ``YYYY-MM-DD``.

    Returns:
        ``"latest"`` or the ISO date, as the notebooks' ``period_end`` parameter takes it.

    Raises:
        ParameterError: If the value is neither.
    """
    parsed = dates.parse_period_end(value, "--period-end", latest=True)
    return parsed if isinstance(parsed, str) else dates.format_date(parsed, "iso")


@dataclass(frozen=True)
class RunConfig:
    """Everything one quarterly run needs to know.

    Attributes:
        raw: The raw data folder (read only).
        period_end: ``"latest"`` or an ISO date.
        la_code: The council's ONS code (E06/E08/E09/E10 and six digits).
        la_name: The council's name for titles (by default the name ``councils.csv`` gives the
            code; for synthetic data, ``shipped_sample.SAMPLE_COUNCIL_NAME``).
        out: The reports folder; each period is published to ``out/<period>/``.
        processed: Where ingest writes; defaults to ``out/_processed`` so that a run never
            overwrites an analyst's working ``data/processed``.
        notebooks_dir: The report notebooks.
        team: Render every report for this one team only (``--team``).
        per_team: Also render the caseload report for every team (``--per-team``).
        jobs: Notebooks executed at once.
        suppress: Suppress counts of 1-5 everywhere in the output.
        quiet: No progress output (for cron); errors still go to stderr.
        targets: Optional local targets file passed to the notebooks.
        scenario: Optional forecast scenario file (``--scenario``), passed to the notebooks
            that declare ``scenario_file``.
        costs: Optional unit-costs file (``--costs``), passed to the notebooks that declare
            ``costs_file``.
        comparator: Benchmark comparator passed to the notebooks.
        change_points: Optional declared change points (``--change-points``): each recalculates
            its indicator's SPC limits from its date; passed to the notebooks that declare
            ``change_points_file``.
        cell_timeout: Seconds a single notebook cell may run before it counts as failed.
        skip_ingest: Reuse the processed folder as it is instead of ingesting ``raw`` again.
        fresh_ingest: Ingest ``raw`` even when the processed folder is up to date with it
            (by default such a folder is reused: see ``report.reuse``), and execute every
            notebook again (by default one whose inputs are unchanged since the last published
            run is re-used: see ``report.executions``).
        verbose: Debug logging in the log file.
        keep: Keep only the newest N published quarter ends (``--keep``); None keeps all.
        pdf: Also print each report and an A4 committee summary to PDF (``--pdf``).
    """

    raw: Path
    period_end: str
    la_code: str
    la_name: str | None = None
    out: Path = Path("reports")
    processed: Path | None = None
    notebooks_dir: Path | None = None
    team: str | None = None
    per_team: bool = False
    jobs: int = field(default_factory=available_cores)
    suppress: bool = False
    quiet: bool = False
    targets: Path | None = None
    scenario: Path | None = None
    costs: Path | None = None
    comparator: str = "england"
    change_points: Path | None = None
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    skip_ingest: bool = False
    fresh_ingest: bool = False
    verbose: bool = False
    keep: int | None = None
    pdf: bool = False

    @property
    def processed_dir(self) -> Path:
        """The processed folder this run reads and (unless skipping ingest) writes."""
        return Path(self.processed) if self.processed else Path(self.out) / PROCESSED_FOLDER

    @property
    def notebooks_folder(self) -> Path:
        """The notebooks folder, defaulting to the project's ``notebooks/``."""
        return Path(self.notebooks_dir) if self.notebooks_dir else default_notebooks_dir()

    @property
    def display_name(self) -> str:
        """The council's name for titles."""
        return self.la_name or self.la_code

    def validated(self) -> RunConfig:
        """Check every parameter and return a normalised copy.

        Returns:
            The configuration with absolute paths, an upper-case council code and a checked
            period end.

        Raises:
            ParameterError: Naming the first bad parameter and what was expected.
        """
        raw = Path(self.raw).expanduser().resolve()
        if not raw.is_dir():
            raise ParameterError(f"--raw {self.raw}: no such folder. Give the raw data folder.")
        la_code = str(self.la_code).strip().upper()
        if not LA_CODE_PATTERN.match(la_code):
            raise ParameterError(
                f"--la-code {self.la_code!r} is not an English council code: expected E06, E08, "
                "E09 or E10 followed by six digits (for example E10000017)."
            )
        if self.team is not None and self.per_team:
            raise ParameterError("Give either --team T or --per-team, not both.")
        if self.team is not None and not str(self.team).strip():
            raise ParameterError("--team needs a team name.")
        if int(self.jobs) < 1:
            raise ParameterError(f"--jobs {self.jobs}: give 1 or more notebooks at once.")
        self._check_keep()
        if int(self.cell_timeout) < 1:
            raise ParameterError(f"--timeout {self.cell_timeout}: give 1 or more seconds.")
        if self.comparator not in COMPARATORS:
            raise ParameterError(
                f"--comparator {self.comparator!r}: expected one of {', '.join(COMPARATORS)}."
            )
        targets = Path(self.targets).expanduser().resolve() if self.targets else None
        if targets is not None and not targets.is_file():
            raise ParameterError(f"--targets {self.targets}: no such file.")
        scenario, costs = self._forecast_files()
        change_points = self._change_points_file()
        out = Path(self.out).expanduser().resolve()
        processed = self.processed_dir.expanduser().resolve()
        for name, path in (("--out", out), ("--processed", processed)):
            if path.exists() and not path.is_dir():
                raise ParameterError(
                    f"{name} {path} is a file. Give a folder (it is created if missing)."
                )
            if path == raw or raw in path.parents:
                raise ParameterError(
                    f"{name} {path} is inside the raw folder {raw}, which is only ever read. "
                    "Choose a folder outside it."
                )
        notebooks_dir = self.notebooks_folder.expanduser().resolve()
        discover_notebooks(notebooks_dir)
        self._check_ingest_options(processed)
        return RunConfig(
            raw=raw,
            period_end=parse_period_end(self.period_end),
            la_code=la_code,
            la_name=council_name(la_code, self.la_name, raw),
            out=out,
            processed=processed,
            notebooks_dir=notebooks_dir,
            team=str(self.team).strip() if self.team is not None else None,
            per_team=bool(self.per_team),
            jobs=int(self.jobs),
            suppress=bool(self.suppress),
            quiet=bool(self.quiet),
            targets=targets,
            scenario=scenario,
            costs=costs,
            comparator=self.comparator,
            change_points=change_points,
            cell_timeout=int(self.cell_timeout),
            skip_ingest=bool(self.skip_ingest),
            fresh_ingest=bool(self.fresh_ingest),
            verbose=bool(self.verbose),
            keep=int(self.keep) if self.keep is not None else None,
            pdf=bool(self.pdf),
        )

    def _change_points_file(self) -> Path | None:
        """The change-points file, absolute, read once so a bad file stops the run early.

        Raises:
            ParameterError: The file does not exist.
            InputError: A row is not usable (the message names the file, column and row).
        """
        if not self.change_points:
            return None
        path = Path(self.change_points).expanduser().resolve()
        if not path.is_file():
            raise ParameterError(f"--change-points {self.change_points}: no such file.")
        read_change_points(path)
        return path

    def _forecast_files(self) -> tuple[Path | None, Path | None]:
        """The scenario and costs files, absolute, each read once.

        A bad file stops the run before anything is ingested or published.

        Raises:
            ParameterError: A file that is not there.
            InputError: A file that cannot be used (its file, row and what was expected named).
        """
        found = []
        for option, value in (("--scenario", self.scenario), ("--costs", self.costs)):
            path = Path(value).expanduser().resolve() if value else None
            if path is not None and not path.is_file():
                raise ParameterError(f"{option} {value}: no such file.")
            found.append(path)
        scenario, costs = found
        if scenario is not None or costs is not None:
            # Only read here when given: the forecast package imports pandas.
            from csc_metrics.forecast import read_costs, read_scenario

            if scenario is not None:
                read_scenario(scenario)
            if costs is not None:
                read_costs(costs)
        return scenario, costs

    def _check_keep(self) -> None:
        """Raise ParameterError for a ``--keep`` below 1."""
        if self.keep is not None and int(self.keep) < 1:
            raise ParameterError(f"--keep {self.keep}: give 1 or more periods to keep.")

    def _check_ingest_options(self, processed: Path) -> None:
        """Raise ParameterError if --skip-ingest and --fresh-ingest cannot be honoured."""
        if self.skip_ingest and self.fresh_ingest:
            raise ParameterError("Give either --skip-ingest or --fresh-ingest, not both.")
        if self.skip_ingest and not (processed / "manifest.json").exists():
            raise ParameterError(
                f"--skip-ingest reuses {processed}, but it is not a processed folder (no "
                "manifest.json). Run without --skip-ingest, or give --processed DIR."
            )

    def publish_name(self, period_end: pd.Timestamp) -> str:
        """The folder name a run publishes to: the period, plus the team for ``--team``."""
        name = period_end.date().isoformat()
        return f"{name}_team-{slugify(self.team)}" if self.team else name

    def notebook_parameters(
        self, period_end: pd.Timestamp | str, team: str | None
    ) -> dict[str, Any]:
        """The values injected into the notebooks' ``parameters`` cells.

        The eight report parameters go to every notebook; ``scenario_file`` and ``costs_file``
        only to the notebooks that declare them (``report.jobs.plan_jobs``). Dates are
        ``'YYYY-MM-DD'`` strings and paths absolute strings, so that the injected cell
        is plain Python whatever the working directory. A period end given as text (``latest``)
        is passed as it is.
        """
        return {
            "processed_dir": str(self.processed_dir),
            "period_end": period_end
            if isinstance(period_end, str)
            else period_end.date().isoformat(),
            "la_code": self.la_code,
            "la_name": self.display_name,
            "team": team,
            "comparator": self.comparator,
            "suppress": self.suppress,
            "targets_file": str(self.targets) if self.targets else None,
            "scenario_file": str(self.scenario) if self.scenario else None,
            "costs_file": str(self.costs) if self.costs else None,
            "change_points_file": str(self.change_points) if self.change_points else None,
        }

    def as_record(self) -> dict[str, Any]:
        """The parameters as plain JSON-ready values, for the run manifest."""
        return {
            "raw": str(self.raw),
            "period_end_requested": self.period_end,
            "la_code": self.la_code,
            "la_name": self.display_name,
            "out": str(self.out),
            "processed": str(self.processed_dir),
            "notebooks": str(self.notebooks_folder),
            "team": self.team,
            "per_team": self.per_team,
            "jobs": self.jobs,
            "suppress": self.suppress,
            "targets": str(self.targets) if self.targets else None,
            "scenario": str(self.scenario) if self.scenario else None,
            "costs": str(self.costs) if self.costs else None,
            "comparator": self.comparator,
            "change_points": str(self.change_points) if self.change_points else None,
            "cell_timeout_seconds": self.cell_timeout,
            "skip_ingest": self.skip_ingest,
            "fresh_ingest": self.fresh_ingest,
            "keep": self.keep,
            "pdf": self.pdf,
        }
