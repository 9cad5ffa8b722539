"""Process-level helpers shared by the stages: module attributes imported on first use, pausing the
cyclic garbage collector around work that allocates many objects and frees none of them in cycles, worker
processes that end with the process that started them, and a function run in a process (or on a thread) beside
the caller."""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Callable, Iterator


def lazy_attributes(package: str, names: dict[str, str], namespace: dict) -> Callable[[str], object]:
    """A module ``__getattr__`` (PEP 562) importing ``names[name]`` (relative to ``package``) on first use and
    keeping the value in ``namespace`` (the module's globals), so ``import package`` stays cheap."""
    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic collector paused (and restored as it was). Parsing allocates millions of short-lived tokens
    and keeps thousands of records, and loading the reasoning cache hundreds of thousands of small objects:
    the collector only rescans them (measured: +20% CPU parsing 3,000 notes; the cache loaded in 2.1 s
    instead of 6.2 s for a 2,000-note vault)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["beside", "lazy_attributes", "no_gc"]


PARENT_POLL = 1.0  # seconds between a worker's looks at its parent


def exit_with_parent() -> None:
    """In a worker process (an initializer of a pool): end it when its parent is gone. A pool's workers wait on
    a queue whose pipe they hold both ends of, so a ``kg index`` killed, or a server stopped while it embedded,
    left them waiting forever (each holding a model). A daemon thread looks at the parent every second."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="kg-exit-with-parent").start()


def beside(fn: Callable, *args, start: Callable[[], None] | None = None) -> Callable[[], object]:
    """Start ``fn(*args)`` in a forked process, to run beside what the caller does next (``start`` first, in
    that process only: it ends with the caller either way); the function returned waits for its result and
    raises what it raised. Call it before the caller starts threads or pools of its
    own, so that the fork copies a process of one thread. Where there is no fork, or the process ends without
    an answer (a result that cannot be pickled), ``fn`` runs in the caller when its result is asked for."""
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return lambda: fn(*args)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_answer, args=(send, fn, args, start), daemon=True, name="kg-beside")
    process.start()
    send.close()

    def result():
        try:
            ok, value = receive.recv()
        except (EOFError, OSError):
            ok, value = None, None
        finally:
            receive.close()
            process.join()
        if ok is None:
            return fn(*args)
        if not ok:
            raise value
        return value

    return result


def meanwhile(fn: Callable, *args) -> Callable[[], object]:
    """Start ``fn(*args)`` on a daemon thread, to run beside what the caller does next (what releases the GIL:
    SQLite, file reads, inflating); the function returned waits for its result and raises what it raised."""
    import threading

    done: list = []

    def run() -> None:
        try:
            done.append((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            done.append((False, exc))

    thread = threading.Thread(target=run, daemon=True, name=f"kg-{getattr(fn, '__name__', 'meanwhile')}")
    thread.start()

    def result():
        thread.join()
        ok, value = done[0]
        if not ok:
            raise value
        return value

    return result


def _answer(send, fn: Callable, args: tuple, start: Callable[[], None] | None) -> None:
    exit_with_parent()
    if start is not None:
        start()
    try:
        answer = (True, fn(*args))
    except Exception as exc:  # raised again in the caller
        answer = (False, exc)
    with contextlib.suppress(Exception):  # unpicklable: the caller runs fn itself
        send.send(answer)
    send.close()


def release_memory() -> None:
    """Give the memory freed since (the records of a large run, once committed) back to the system: CPython keeps
    freed blocks in its heap, so a process's RSS stays at its high-water mark. ``malloc_trim`` is glibc's; elsewhere
    this only collects cycles."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
