"""The first index of a long-running process (``kg serve``): in a thread of its own, answering as early as the
index allows.

``start_first_index`` returns once the vault answers: when the index ends, or when a large first index has
committed its words and graph and goes on computing its vectors (``index_vault``'s ``on_answerable``). It waits
while another process (a ``kg index``) holds the writer lock. An error before the vault answers is raised to
the caller; one after it goes to ``events.failed``, and the caller's watcher indexes again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

WAIT_POLL = 0.25  # seconds between two tries for a writer lock another process holds


def _nothing(*_args) -> None:
    return None


@dataclass(frozen=True)
class FirstIndexEvents:
    """What the first index tells its caller, each a callback run in the index's thread."""

    waiting: Callable = _nothing  # (IndexBusy) once, when another process holds the writer lock
    answerable: Callable = _nothing  # (IndexReport) a large index committed its words and graph; vectors follow
    done: Callable = _nothing  # (IndexReport) the index ended
    failed: Callable = _nothing  # (Exception) it failed after the vault began answering


def start_first_index(root: Path, events: FirstIndexEvents = FirstIndexEvents(), *, model=None,
                      threads: int | None = None) -> threading.Thread:
    """Index ``root`` in a daemon thread; return it once the vault answers (see the module's docstring)."""
    from ..errors import IndexBusy
    from .indexing import index_vault

    answerable, outcome = threading.Event(), {}

    def early(report) -> None:
        events.answerable(report)
        answerable.set()

    def run() -> None:
        waited = False
        try:
            while True:
                try:
                    report = index_vault(root, model=model, threads=threads, on_answerable=early)
                    break
                except IndexBusy as exc:
                    if not waited:
                        events.waiting(exc)
                        waited = True
                    time.sleep(WAIT_POLL)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, or told once the vault answers
            outcome["error"] = exc
            if answerable.is_set():
                events.failed(exc)
            return
        finally:
            answerable.set()
        events.done(report)

    thread = threading.Thread(target=run, daemon=True, name="kg-first-index")  # Ctrl-C does not wait for it
    thread.start()
    answerable.wait()
    if "error" in outcome:
        raise outcome["error"]
    return thread
