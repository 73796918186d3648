"""Whether the processed folder is up to date with the raw files, so a re-run can skip ingest.

An analyst often runs the same quarter again to change only how it is reported (``--la-name``,
``--team``, ``--suppress``...). Ingest would rebuild exactly the same processed data, so the run
reuses it when all of these hold:

* every raw file ingest reads (``ssda903/``, ``reference/``, ``caseload/``, and the targets of
  any links there, which are followed like folders) is byte-identical to
  those recorded, with their SHA-256, in the processed folder's ``manifest.json``, and no file
  was added or removed;
* the processed data were written by the same csc-metrics code (``fingerprints.code_fingerprint``,
  the check notebook preparation uses too), with the same local rules;
* every processed file still matches the SHA-256 ingest recorded for it in the manifest;
* they were pseudonymised with the same key (the run records a keyed fingerprint of the key,
  never the key, in ``INGEST_STAMP`` next to the manifest after each ingest).

Anything unknown counts as a change: a processed folder without the stamp (written by
``csc-metrics ingest``, or by an older version) is ingested again. ``--fresh-ingest`` forces it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csc_metrics import __version__, storage
from csc_metrics.errors import ParameterError
from csc_metrics.fingerprints import code_fingerprint, settings_fingerprint
from csc_metrics.privacy import load_key
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: Written by the run into the processed folder after an ingest (the next ingest replaces it).
INGEST_STAMP = "run_ingest_stamp.json"

#: The raw sub-folders ingest reads (``csc_metrics.pipeline``); other files do not matter.
INGESTED_FOLDERS = ("ssda903", "reference", "caseload")

#: What the keyed fingerprint is computed over: any fixed text would do.
_KEY_PROBE = b"csc-metrics processed data key check"


@dataclass(frozen=True)
class ReuseDecision:
    """Whether the processed data can be reused, and why (for the log).

    Attributes:
        up_to_date: True when ingest would rebuild the same processed data.
        reason: Why they are or are not up to date, in a manager's words.
    """

    up_to_date: bool
    reason: str


def key_fingerprint() -> str | None:
    """A keyed hash identifying the pseudonymisation key (not the key); None without a key."""
    try:
        key = load_key(create=False)
    except ParameterError:
        return None
    return hmac.new(key, _KEY_PROBE, hashlib.sha256).hexdigest()[:32]


def ingest_stamp(settings: Settings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """What, besides the raw files, decides the processed data: version, local rules, key."""
    return {
        "package_version": __version__,
        # The version is 0.1.0 in every checkout: the code itself decides, by the same
        # fingerprint that decides whether notebook preparation's caches can be reused.
        "code": code_fingerprint(),
        "settings": json.loads(settings_fingerprint(settings)),
        "key_fingerprint": key_fingerprint(),
    }


def write_ingest_stamp(processed: Path, settings: Settings = DEFAULT_SETTINGS) -> None:
    """Record, after an ingest, what the processed data were built with."""
    storage.write_json(ingest_stamp(settings), Path(processed) / INGEST_STAMP)


def ingested_inputs(inputs: list[dict[str, Any]]) -> dict[str, str]:
    """Path -> SHA-256 of the raw files ingest reads, from ``fingerprints.hash_inputs`` records."""
    return {
        str(item["path"]): str(item["sha256"])
        for item in inputs
        if str(item["path"]).split("/", 1)[0] in INGESTED_FOLDERS
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def processed_up_to_date(
    processed: Path, inputs: list[dict[str, Any]], settings: Settings = DEFAULT_SETTINGS
) -> ReuseDecision:
    """Whether ingesting the raw files now would rebuild the processed folder as it is.

    Args:
        processed: The processed folder.
        inputs: The raw folder's files as ``fingerprints.hash_inputs`` lists them.
        settings: The local rules the run uses.

    Returns:
        The decision and its reason.
    """
    processed = Path(processed)
    manifest = _read_json(processed / storage.MANIFEST_NAME)
    if manifest is None:
        return ReuseDecision(False, "there are no processed data yet")
    stamp = _read_json(processed / INGEST_STAMP)
    if stamp is None:
        return ReuseDecision(False, "the processed data were not written by a run")
    recorded = manifest.get("inputs")
    if not isinstance(recorded, list) or not recorded:
        return ReuseDecision(False, "the processed data do not record their raw files")
    try:
        before = {str(item["path"]): str(item["sha256"]) for item in recorded}
    except (KeyError, TypeError):
        return ReuseDecision(False, "the processed data do not record their raw files")
    now = ingested_inputs(inputs)
    if before != now:
        changed = sorted(
            path for path in before.keys() | now.keys() if before.get(path) != now.get(path)
        )
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        shown = ", ".join(changed[:3]) + more
        return ReuseDecision(False, f"raw files changed since the last ingest: {shown}")
    wanted = ingest_stamp(settings)
    if (
        manifest.get("package_version") != __version__
        or stamp.get("package_version") != (wanted["package_version"])
    ):
        return ReuseDecision(False, "the processed data were built by another csc-metrics version")
    if stamp.get("code") != wanted["code"]:
        return ReuseDecision(False, "the csc-metrics code has changed since the last ingest")
    if stamp.get("settings") != wanted["settings"]:
        return ReuseDecision(False, "the local rules (settings) have changed")
    if (
        wanted["key_fingerprint"] is None
        or stamp.get("key_fingerprint") != (wanted["key_fingerprint"])
    ):
        return ReuseDecision(False, "the pseudonymisation key is not the one they were built with")
    damaged = storage.damaged_files(processed)
    if damaged:
        return ReuseDecision(False, f"processed file(s) damaged: {', '.join(damaged[:3])}")
    return ReuseDecision(True, "processed data up to date with the raw files")
