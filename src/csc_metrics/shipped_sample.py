"""The shipped synthetic sample, ready to read: ingested into ``data/processed/sample`` when needed.

A report notebook opened with ``processed_dir=None`` (as an analyst does in JupyterLab, and as
the notebook tests do) runs on the synthetic sample shipped in ``data/raw/sample``. This is the
one place that prepares it: ``sample_processed_dir`` ingests the sample the first time and again
only when its files, or the package code that reads them, have changed, and otherwise returns
the folder at once. A file lock stops notebooks run side by side from ingesting twice.

Everything else reads processed data that someone prepared: ``csc-metrics run`` ingests the
raw folder it is given before any notebook starts, and passes the processed folder to every
notebook, so the report views never ingest anything themselves.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

from csc_metrics import project_root
from csc_metrics.errors import ParameterError
from csc_metrics.fingerprints import code_fingerprint, hash_inputs, inputs_fingerprint
from csc_metrics.folders import check_replaceable
from csc_metrics.privacy import KEY_ENV
from csc_metrics.storage import CACHE_FOLDER, ProcessedData, is_legacy_processed, write_json

#: The shipped synthetic sample and where its processed tables are kept, under the project root.
SAMPLE_RAW = Path("data") / "raw" / "sample"
SAMPLE_PROCESSED = Path("data") / "processed" / "sample"
#: The sample's identifiers are invented, so its pseudonyms use this fixed, public key: viewing
#: the sample never needs (or creates) the council's own key.
SAMPLE_KEY = "csc-metrics shipped synthetic sample"
#: Written into the sample's processed folder: what it was built from.
SAMPLE_STAMP = "sample_source.json"
#: The synthetic data generator (``csc-metrics sample``) writes this into the MANIFEST.md of
#: every folder it makes; reports on such data say that it is synthetic.
GENERATOR_MARK = '"generator": "csc-metrics sample"'
#: What reports call the council when the data are synthetic and no name was given: never the
#: real council whose code the sample borrows.
SAMPLE_COUNCIL_NAME = "Synthetic county (sample data)"


@contextlib.contextmanager
def _sample_key() -> Iterator[None]:
    saved = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = SAMPLE_KEY
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = saved


def sample_stamp(raw: Path) -> dict[str, str]:
    """What a processed copy of the sample must have been built from to be reused.

    Args:
        raw: The sample's raw folder.

    Returns:
        ``{"inputs": hash of every file, "code": code_fingerprint()}``.
    """
    return {"inputs": inputs_fingerprint(hash_inputs(raw)), "code": code_fingerprint()}


def sample_processed_dir(root: Path | None = None) -> Path:
    """The shipped sample's processed folder, ingesting the sample first if it is not current.

    Args:
        root: The project root (default: the checkout holding the package).

    Returns:
        ``<root>/data/processed/sample``.

    Raises:
        ParameterError: If the package is not running from a checkout with the sample.
    """
    root = root if root is not None else project_root()
    raw = root / SAMPLE_RAW if root is not None else None
    if root is None or raw is None or not raw.is_dir():
        raise ParameterError(
            "processed_dir=None means the shipped sample data/raw/sample, which is not here "
            "(the package is not running from the project folder). Give processed_dir: a "
            "folder written by `csc-metrics ingest`."
        )
    processed = root / SAMPLE_PROCESSED
    processed.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(processed.parent / f".{processed.name}.lock")):
        wanted = sample_stamp(raw)
        stamp = processed / CACHE_FOLDER / SAMPLE_STAMP
        current = stamp.is_file() and json.loads(stamp.read_text("utf-8")) == wanted
        if not current:
            # Imported only when the sample must be ingested again: opening a report on data
            # already prepared never loads the readers of raw files.
            from csc_metrics.pipeline import ingest

            # A fresh folder: ingest would otherwise add the snapshots to an older history.
            check_replaceable(processed, "processed", str(processed), legacy=_made_here)
            shutil.rmtree(processed, ignore_errors=True)
            with _sample_key():
                ingest(raw, processed)
            stamp.parent.mkdir(exist_ok=True)
            write_json(wanted, stamp)
    return processed


def is_synthetic_raw(raw: Path | str | None) -> bool:
    """Whether a raw folder was written by the synthetic generator (its MANIFEST.md's mark).

    Args:
        raw: A raw data folder, or None.

    Returns:
        True when ``raw/MANIFEST.md`` carries the generator's mark.
    """
    manifest = Path(raw) / "MANIFEST.md" if raw else None
    try:
        return manifest is not None and GENERATOR_MARK in manifest.read_text("utf-8")
    except OSError:
        return False


def _made_here(folder: Path) -> bool:
    """Whether an unmarked folder is a sample ingest of an older csc-metrics (it has the stamp)."""
    return is_legacy_processed(folder) or (folder / CACHE_FOLDER / SAMPLE_STAMP).is_file()


def is_synthetic(data: ProcessedData) -> bool:
    """Whether processed data were ingested from a folder the synthetic generator wrote.

    Args:
        data: Processed data (its manifest names the raw folder).

    Returns:
        True when the raw folder's MANIFEST.md carries the generator's mark.
    """
    return is_synthetic_raw(data.manifest.get("raw_folder"))
