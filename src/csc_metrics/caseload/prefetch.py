"""Annex A workbooks parsed ahead in worker threads, while earlier work goes on.

Parsing the sheets of an Annex A workbook is most of the cost of reading a snapshot, and
calamine parses without holding the GIL. So the workbooks of the snapshots to be read are opened
and parsed in a worker thread, in snapshot order, a bounded number of bytes ahead (a long
national Annex A history is never all held parsed), while the main thread reads the SSDA903
returns and cleans the snapshots already parsed. The reader takes each workbook in its turn
(``WorkbookPrefetch.take``); anything that failed in a worker is simply opened again by the
reader, so every message, issue and their order are those of reading one workbook at a time.

Only threads are used: the report runner calls ingest from a process that must never fork with
threads running, and every worker has finished when ``WorkbookPrefetch.close`` returns.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from csc_metrics.caseload.annex_a import OpenedWorkbook, open_case_lists

#: Workbook bytes (as stored, compressed) submitted for parsing and not yet taken: beyond this,
#: a workbook waits until the reader has taken an earlier one (at least one is always ahead).
#: A county's 28 quarterly workbooks are about 20 MB in all.
PREFETCH_BYTES = 32 * 1024**2
#: Worker threads. One: on two cores, the main thread keeps the other for the SSDA903 stage (the
#: county's ingest took 8.9-10.2 s with one, 10.7-10.9 s with two, main's 12.4 s, in turn at
#: load 1.2-1.6).
PREFETCH_THREADS = 1


class WorkbookPrefetch:
    """Workbooks opened and parsed ahead, in order, for the reader to take in its turn.

    Args:
        workbooks: Each workbook's path and its path relative to the raw folder, in the order
            the reader will take them.
        lookahead_bytes: Bytes of workbooks submitted and not yet taken, at most (but one).
        threads: Worker threads.
    """

    def __init__(
        self,
        workbooks: list[tuple[Path, str]],
        lookahead_bytes: int = PREFETCH_BYTES,
        threads: int = PREFETCH_THREADS,
    ) -> None:
        self._waiting = list(workbooks)
        self._lookahead = lookahead_bytes
        self._submitted: OrderedDict[Path, tuple[Future[OpenedWorkbook | None], int, str]] = (
            OrderedDict()
        )
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="annex-a-parse")
        self._top_up()

    def _top_up(self) -> None:
        """Submit waiting workbooks, in order, while fewer bytes than the look-ahead are out."""
        held = sum(size for _, size, _ in self._submitted.values())
        while self._waiting and (not self._submitted or held < self._lookahead):
            path, source = self._waiting.pop(0)
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            self._submitted[path] = (
                self._pool.submit(open_case_lists, path, source),
                size,
                source,
            )
            held += size

    def take(self, path: Path) -> OpenedWorkbook | None:
        """The workbook at ``path``, opened and parsed, or None to open it as usual.

        Workbooks submitted before it and not taken (their snapshots were not read after all)
        are let go.

        Args:
            path: The workbook.

        Returns:
            The open workbook (the caller closes it), or None when it was not parsed ahead or
            parsing it failed.
        """
        if path not in self._submitted:
            self._waiting = [entry for entry in self._waiting if entry[0] != path]
            return None
        while True:
            first, (future, _, source) = self._submitted.popitem(last=False)
            if first == path:
                break
            _let_go(future)
        self._top_up()
        if future.cancel():
            # Not started yet (the worker is busy with one let go): parsed here, now.
            return open_case_lists(path, source)
        self._parse_while_waiting(future)
        # Any failure in the worker is met again when the reader opens the workbook itself.
        return None if future.exception() is not None else future.result()

    def _parse_while_waiting(self, wanted: Future[OpenedWorkbook | None]) -> None:
        """While the worker still parses the workbook wanted, parse the next ones here.

        The reader would only wait: calamine parses without holding the GIL, so the worker
        goes on meanwhile, and a workbook the reader parsed is ready when its turn comes
        (the county's reader outran its one worker once cleaning was vectorised).
        """
        for path, (future, size, source) in list(self._submitted.items()):
            if wanted.done():
                return
            if future.cancel():
                parsed: Future[OpenedWorkbook | None] = Future()
                parsed.set_result(open_case_lists(path, source))
                self._submitted[path] = (parsed, size, source)

    def close(self) -> None:
        """Stop parsing, wait for the workers, and close every workbook not taken."""
        self._waiting.clear()
        for future, _, _ in self._submitted.values():
            future.cancel()
        self._pool.shutdown(wait=True)
        for future, _, _ in self._submitted.values():
            _let_go(future)
        self._submitted.clear()

    def __enter__(self) -> WorkbookPrefetch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _let_go(future: Future[OpenedWorkbook | None]) -> None:
    """Close a parsed workbook that will not be read (waiting for it if still parsing)."""
    if future.cancel() or future.exception() is not None:
        return
    opened = future.result()
    if opened is not None:
        opened.workbook.close()
