"""Pseudonymisation of child identifiers with a keyed hash (HMAC-SHA256).

The key comes from the ``CSC_METRICS_KEY`` environment variable, or from a key file outside the
repository (``CSC_METRICS_KEY_FILE``, default ``~/.config/csc-metrics/key``). With neither, a
key is generated on first use, written to the default key file, and stderr says where (even
under ``--quiet``, so that cron mails it). The same key always gives the same pseudonyms, so
processed tables from different runs join up; without the key a pseudonym cannot be turned back
into the council's identifier.

Key rules (docs/definitions.md, "Pseudonymisation key"): a key shorter than
``MIN_KEY_LENGTH`` characters is refused (a short key can be found by trying keys against known
identifiers); a key file that cannot be read as UTF-8 text is refused with a message; and the
processed folder records a check value of the key (``key_check_value``, an HMAC of a fixed
label, never the key), so that a run with a different key stops before it breaks the links
between caseload snapshots.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.errors import SHOWN_ON_STDERR, ParameterError

logger = logging.getLogger(__name__)

KEY_ENV = "CSC_METRICS_KEY"
KEY_FILE_ENV = "CSC_METRICS_KEY_FILE"
DEFAULT_KEY_FILE = Path("~/.config/csc-metrics/key")
PSEUDONYM_LENGTH = 16
#: The shortest key accepted, in characters (a generated key has 64 hex digits).
MIN_KEY_LENGTH = 32
#: One command that prints a good key.
GOOD_KEY_COMMAND = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
#: The fixed label whose HMAC under the key identifies the key without revealing it.
KEY_CHECK_LABEL = b"csc-metrics pseudonymisation key check v1"
#: Key of the check value in ``processed/manifest.json``.
KEY_CHECK_FIELD = "key_check"


def _inside_a_repository(path: Path) -> Path | None:
    for parent in [path.parent, *path.parent.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def _key_file_path() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE).expanduser().resolve()


def _checked_key(text: str, source: str) -> bytes:
    """The key as bytes, or a ParameterError when it is too short to be safe."""
    key = text.strip()
    if len(key) < MIN_KEY_LENGTH:
        what = "empty" if not key else f"only {len(key)} characters long"
        raise ParameterError(
            f"The pseudonymisation key in {source} is {what}; it needs at least "
            f"{MIN_KEY_LENGTH} characters, or the pseudonyms can be turned back into the "
            f"council's identifiers by trying keys. Make a good key with: {GOOD_KEY_COMMAND}"
        )
    return key.encode("utf-8")


def _read_key_file(path: Path) -> bytes:
    """Read a key file, turning every way it cannot be read into a ParameterError."""
    if path.is_dir():
        raise ParameterError(
            f"The pseudonymisation key file {path} is a folder, not a file. Point "
            f"{KEY_FILE_ENV} at the file holding the key."
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParameterError(
            f"The pseudonymisation key file {path} cannot be read: {error.strerror or error}."
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(
            f"The pseudonymisation key file {path} is not UTF-8 text. It must hold the key "
            f"as one line of text; make a good key with: {GOOD_KEY_COMMAND}"
        ) from None
    return _checked_key(text, f"the key file {path}")


def _announce_new_key(path: Path) -> None:
    """Say on stderr (whatever the logging set-up, so cron mails it) that a key was made."""
    message = (
        f"csc-metrics: no pseudonymisation key was set, so a new one was generated and saved to "
        f"{path}. Back this file up now and keep it safe: every later run needs the same key "
        f"(or set {KEY_ENV}), and with a different key earlier processed data, such as the "
        "caseload history, no longer link to new data."
    )
    print(message, file=sys.stderr, flush=True)
    # For the run log; the console already has it (see ``cli.configure_console_logging``).
    logger.info("%s", message, extra={SHOWN_ON_STDERR: True})


def load_key(create: bool = True) -> bytes:
    """Return the pseudonymisation key.

    Args:
        create: Generate and save a key when none exists.

    Returns:
        The key as bytes.

    Raises:
        ParameterError: If the key is shorter than ``MIN_KEY_LENGTH`` characters (or empty),
            the key file is a folder, unreadable or not UTF-8, the key file is inside a git
            repository (it must never be committed), or no key exists and ``create`` is false.
    """
    env_key = os.environ.get(KEY_ENV)
    if env_key is not None:
        return _checked_key(env_key, KEY_ENV)
    path = _key_file_path()
    repository = _inside_a_repository(path)
    if repository is not None:
        raise ParameterError(
            f"The pseudonymisation key file {path} is inside the git repository {repository}. "
            f"Keep it outside any repository: set {KEY_FILE_ENV} to a path elsewhere, "
            f"or set {KEY_ENV}."
        )
    if path.exists():
        return _read_key_file(path)
    if not create:
        raise ParameterError(f"No pseudonymisation key: set {KEY_ENV} or create {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions before writing, so the key is never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    _announce_new_key(path)
    return key.encode("utf-8")


def key_check_value(key: bytes) -> str:
    """A value that identifies the key without revealing it: the HMAC of a fixed label.

    Stored in ``processed/manifest.json`` (``KEY_CHECK_FIELD``) so a later run can tell whether
    it uses the same key.
    """
    return hmac.new(key, KEY_CHECK_LABEL, hashlib.sha256).hexdigest()


def check_same_key(key: bytes, recorded: object, processed: Path) -> None:
    """Stop when the processed data were built with a different key.

    Args:
        key: The key of this run.
        recorded: The check value in the processed folder's manifest (None when there is none:
            a folder built before check values were recorded, or no folder yet).
        processed: The processed folder, for the message.

    Raises:
        ParameterError: If a check value is recorded and it is not this key's.
    """
    if recorded is None or hmac.compare_digest(str(recorded), key_check_value(key)):
        return
    raise ParameterError(
        f"The pseudonymisation key is not the one {processed} was built with. With a new key "
        "every child gets a new pseudonym, so earlier caseload snapshots would no longer link "
        "to new ones (children would seem to leave and join). Use the original key (check "
        f"{KEY_ENV} and {KEY_FILE_ENV}); to start afresh with the new key on purpose, move "
        f"{processed} aside first."
    )


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
