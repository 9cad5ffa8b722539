"""An edited note answerable in a watching server: the time from saving a note to the first answer citing it.

    python benchmarks/watch_bench.py --vault /tmp/g10k --edits 10 [--debounce 300]

The vault must be indexed with the model ``kg serve`` will use (``KG_MODEL`` is left as the caller set it).
A ``kg serve`` watches it; each edit appends a sentence with a word no note holds to one note, then asks
``/api/ask`` for that word until an answer cites the note. Printed per edit and as medians:

* ``answered``: save → an answer citing the note (what the user waits for, the debounce included);
* ``run``: the re-index's own seconds, as the server's line gives them.

Asking goes on every ``--poll`` seconds meanwhile; a question runs in the server beside its watcher, so the
polling adds its load to what is measured, as a user asking while they write would.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import Served  # noqa: E402

_RUN = re.compile(r" in (\d+\.\d+) s")


def edit_once(served: Served, note: Path, word: str, poll: float, seconds: float = 60) -> dict:
    """Append a sentence holding ``word`` to ``note``; the time until an answer cites it, and the re-index's own."""
    relative = note.relative_to(served.vault).as_posix()
    lines_before = len(served.log)
    with note.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\n- The {word} effect makes adapters forget arithmetic.\n")
    saved = time.perf_counter()
    answered = None
    while time.perf_counter() - saved < seconds:
        status, body = served.get("/api/ask?" + urlencode({"q": word, "top": 5}))
        if status == 200 and any(c["path"] == relative for a in body["answers"] for c in a["citations"]):
            answered = time.perf_counter() - saved
            break
        time.sleep(poll)
    run = None  # the server says the run's line once its warm searcher has reloaded: it may come after the answer
    while run is None and time.perf_counter() - saved < seconds:
        found = [_RUN.search(line) for line in served.log[lines_before:] if "parsed" in line]
        run = float(found[0].group(1)) if found and found[0] else None
        time.sleep(0.05)
    return {"note": relative, "answered": answered, "run": run}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vault", type=Path, required=True)
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--debounce", type=int, default=300, help="kg serve --debounce (milliseconds)")
    ap.add_argument("--poll", type=float, default=0.05, help="seconds between two questions")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    env.setdefault("HF_HUB_OFFLINE", "1")
    notes = sorted(p for p in args.vault.rglob("*.md") if ".kg" not in p.parts and ".obsidian" not in p.parts)
    stamp = f"{time.time_ns() % 10**8:08d}"
    found = []
    with Served(args.vault, "--debounce", str(args.debounce), env=env, ready_seconds=1800) as served:
        served.get("/api/ask?q=warm", timeout=120)
        for i in range(args.edits):
            note = notes[(i * 7919 + 13) % len(notes)]
            word = f"zorblat{i}x{stamp}"
            found.append(edit_once(served, note, word, args.poll))
            print(json.dumps(found[-1]), flush=True)
            time.sleep(1.0)  # the next edit starts from a quiet watcher
    done = [f for f in found if f["answered"] is not None]
    print(f"{len(notes):,} notes, debounce {args.debounce} ms, {len(done)}/{len(found)} answered")
    for key in ("answered", "run"):
        values = [f[key] for f in done if f[key] is not None]
        if values:
            print(f"  {key:<9} median {statistics.median(values):.3f} s, max {max(values):.3f} s")


if __name__ == "__main__":
    main()
