"""Errors a user can act on, each carrying the command-line exit code it maps to."""

from __future__ import annotations

#: A log record with this attribute set was already printed on stderr by itself (a notice that
#: must reach cron mail whatever the logging set-up); the command line's console skips it.
SHOWN_ON_STDERR = "shown_on_stderr"
#: The longest message shown to a user, whatever the input (a 50 MB one-line file included).
MESSAGE_LIMIT = 600


def capped_message(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message cut to at most ``limit`` characters, saying that it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 30].rstrip() + " ... (message shortened)"


class CscMetricsError(Exception):
    """Base class for errors that are reported to the user as a message, never a traceback."""

    exit_code = 1


class InputError(CscMetricsError):
    """Raised when the input data are unusable (missing table or column, unreadable file)."""

    exit_code = 2


class ParameterError(CscMetricsError):
    """Raised when a command-line or notebook parameter is invalid (bad date, unknown council)."""

    exit_code = 2


class NotebookFailedError(CscMetricsError):
    """Raised when one or more report notebooks failed to execute."""

    exit_code = 1


class AlreadyRunningError(CscMetricsError):
    """Raised when another run holds the lock on the same output folder."""

    exit_code = 3


def describe_location(
    file: str | None = None,
    column: str | None = None,
    row: int | None = None,
) -> str:
    """Format where a problem is, for error messages.

    Args:
        file: File name or path.
        column: Column name.
        row: 1-based row number in the file, counting the header as row 1.

    Returns:
        A phrase like ``"episodes.csv, column DECOM, row 12"``.
    """
    parts = [
        p
        for p in (
            file,
            f"column {column}" if column else None,
            f"row {row}" if row is not None else None,
        )
        if p
    ]
    return ", ".join(parts)
