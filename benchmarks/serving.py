"""A real ``kg serve`` in a child process, for the tests, the benchmark and the screenshots.

``Served(vault)`` starts ``kg serve VAULT --port 0`` (the system picks a free port), reads the address from
the line it prints once it listens, and stops it with SIGTERM on exit. ``get`` asks a route over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

KG = Path(sys.executable).with_name("kg")


def kg_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    env.setdefault("KG_MODEL", "fake")
    env.update(extra)
    return env


class Served:
    def __init__(self, vault: Path, *args: str, env: dict[str, str] | None = None, ready_seconds: float = 240,
                 watching: bool = True):
        self.vault = Path(vault)
        self.proc = subprocess.Popen([str(KG), "serve", str(vault), "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env or kg_env())
        self.log: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        line = self._first_line(ready_seconds)
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"kg serve did not start: {line!r}\n" + "\n".join(self.log))
        self.url = line.split("http://", 1)[1].split("/", 1)[0]
        self.base = f"http://{self.url}"
        self.port = int(self.url.rsplit(":", 1)[1])
        # the watcher's first run (nothing changed since the index before serving) is over: the index stays put
        # (``watching=False``: return as soon as it serves, which a large first index does before its vectors)
        if watching and not wait_for(lambda: any("watching" in line for line in self.log), ready_seconds)[0]:
            self.stop()
            raise RuntimeError("kg serve did not start watching:\n" + "\n".join(self.log))

    def _first_line(self, seconds: float) -> str:
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(seconds)
        return found[0] if found else ""

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def get(self, route: str, token: str | None = None, timeout: float = 60):
        """(status, parsed JSON) of a GET."""
        request = urllib.request.Request(self.base + route,
                                         headers={"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for(predicate, seconds: float, step: float = 0.05):
    """Poll ``predicate`` until it returns something true or ``seconds`` pass; returns (value, seconds taken)."""
    started = time.monotonic()
    while True:
        value = predicate()
        if value or time.monotonic() - started > seconds:
            return value, time.monotonic() - started
        time.sleep(step)
