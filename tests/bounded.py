"""The real ``kg`` run with a time and a memory bound: wall time, CPU time and peak RSS as ``wait4`` reports them.

``kg`` is forked from a small launcher (``ru_maxrss`` survives ``execve``: a child forked from pytest would
start from pytest's own peak)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import KG

_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024], out)
"""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    cpu: float
    peak: int  # bytes


def kg_bounded(*args: str, seconds: float = 30, mib: int = 600, cwd: Path | None = None, env: dict | None = None,
               stdin: bytes | None = None, model: str | None = "fake") -> Run:
    """``kg ARGS``; fails the test past ``seconds`` of wall time or ``mib`` MiB of peak RSS. No traceback ever.
    ``model``: the embedding model unless ``KG_MODEL`` names one (None: kg's default model, whatever it says)."""
    import pytest

    full_env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    if model is None:
        full_env.pop("KG_MODEL", None)
    else:
        full_env.setdefault("KG_MODEL", model)
    full_env.update(env or {})
    with tempfile.TemporaryDirectory() as tmp:
        measured, out_path, err_path = (Path(tmp) / n for n in ("usage.json", "out", "err"))
        started = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(measured), str(KG), *args], cwd=cwd,
                                    env=full_env, stdout=out, stderr=err, start_new_session=True,
                                    stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
            if stdin is not None:
                proc.stdin.write(stdin)
                proc.stdin.close()
            while proc.poll() is None:
                if time.monotonic() - started > seconds:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    pytest.fail(f"kg {' '.join(args)[:80]} ran over {seconds:.0f} s")
                time.sleep(0.02)
        wall = time.monotonic() - started
        code, cpu, peak = json.loads(measured.read_text())
        run = Run(code, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"), wall, cpu, peak)
    assert peak < mib * 2**20, f"kg {' '.join(args)[:80]} peaked at {peak / 2**20:.0f} MiB"
    assert "Traceback" not in run.err, run.err[-2000:]
    return run
