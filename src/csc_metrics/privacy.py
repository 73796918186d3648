"""Pseudonymisation of child identifiers with a keyed hash (HMAC-SHA256).

The key comes from the ``CSC_METRICS_KEY`` environment variable, or from a key file outside the
repository (``CSC_METRICS_KEY_FILE``, default ``~/.config/csc-metrics/key``). With neither, a
key is generated on first use, written to the default key file, and a warning says where. The
same key always gives the same pseudonyms, so processed tables from different runs join up;
without the key a pseudonym cannot be turned back into the council's identifier.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.errors import ParameterError

logger = logging.getLogger(__name__)

KEY_ENV = "CSC_METRICS_KEY"
KEY_FILE_ENV = "CSC_METRICS_KEY_FILE"
DEFAULT_KEY_FILE = Path("~/.config/csc-metrics/key")
PSEUDONYM_LENGTH = 16


def _inside_a_repository(path: Path) -> Path | None:
    for parent in [path.parent, *path.parent.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def _key_file_path() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE).expanduser().resolve()


def load_key(create: bool = True) -> bytes:
    """Return the pseudonymisation key.

    Args:
        create: Generate and save a key when none exists.

    Returns:
        The key as bytes.

    Raises:
        ParameterError: If the key file is inside a git repository (it must never be committed),
            or no key exists and ``create`` is false.
    """
    env_key = os.environ.get(KEY_ENV)
    if env_key:
        return env_key.encode("utf-8")
    path = _key_file_path()
    repository = _inside_a_repository(path)
    if repository is not None:
        raise ParameterError(
            f"The pseudonymisation key file {path} is inside the git repository {repository}. "
            f"Keep it outside any repository: set {KEY_FILE_ENV} to a path elsewhere, "
            f"or set {KEY_ENV}."
        )
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    if not create:
        raise ParameterError(f"No pseudonymisation key: set {KEY_ENV} or create {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions before writing, so the key is never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    logger.warning(
        "No pseudonymisation key was set, so a new one was generated and saved to %s. "
        "Keep it safe and use the same key for every run (or set %s); "
        "with a different key the pseudonyms change.",
        path,
        KEY_ENV,
    )
    return key.encode("utf-8")


@functools.lru_cache(maxsize=4)
def _keyed_state(key: bytes) -> hmac.HMAC:
    # Kept outside the Pseudonymiser so that it still pickles (caseload worker processes).
    return hmac.new(key, digestmod=hashlib.sha256)


@dataclass(frozen=True)
class Pseudonymiser:
    """Turns identifiers into keyed-hash pseudonyms.

    Pseudonyms already worked out are remembered, because the same children recur in every
    year's return and every caseload snapshot: each identifier is hashed once per run.
    """

    key: bytes
    # Identifiers hashed so far, with their pseudonyms.
    _known: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_environment(cls) -> Pseudonymiser:
        """Build from the configured key (see module docstring)."""
        return cls(load_key())

    def one(self, identifier: str) -> str:
        """Pseudonymise one identifier (already stripped)."""
        # Copying the keyed state halves the cost of hashing a national set of children: the
        # key's inner and outer pads are hashed once per key, not once per identifier.
        mac = _keyed_state(self.key).copy()
        mac.update(identifier.encode("utf-8"))
        return mac.hexdigest()[:PSEUDONYM_LENGTH]

    def series(self, identifiers: pd.Series) -> pd.Series:
        """Pseudonymise a column of identifiers; blanks stay blank.

        Hashes each distinct identifier once, so the cost grows with the number of children,
        not the number of rows.

        Args:
            identifiers: Cleaned identifiers (stripped, no Excel ``.0``).

        Returns:
            Pseudonyms aligned with the input.
        """
        codes, distinct = pd.factorize(identifiers.astype("str"))
        distinct_ids = distinct.tolist()
        known = self._known
        # Hashing is one call per distinct identifier whatever we do; a dictionary makes the
        # look-up of those already hashed as cheap as that, and never rebuilds an index.
        known.update({value: self.one(value) for value in distinct_ids if value not in known})
        pseudonyms = np.array([known[value] for value in distinct_ids] + [None], dtype=object)
        # Spread the distinct pseudonyms over the rows; code -1 (blank) picks the trailing None.
        spread = pseudonyms[codes]
        return pd.Series(spread, index=identifiers.index, dtype="str")
