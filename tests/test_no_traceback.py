"""No traceback reaches the user (issue 14): every command, on each state the hardening cases leave a vault in —
a note swapped for a symlink out of the vault, a run killed after its commit (its graph changes journaled,
not applied), planted pickles in ``.kg`` — exits 0 or with a one-line reason, and its stderr never holds
"Traceback". (A damaged index and hostile SPARQL have their own tests, which grep stderr the same way.)"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import demo_copy, run_kg
from test_crash import _DIE

COMMANDS = [
    ("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--vault", "{v}"),  # a reader first: the killed
    ("export", "--vault", "{v}", "--format", "ttl"),                              # run's graph is completed here
    ("ask", "сравни LoRA и DPO", "--vault", "{v}"), ("search", "LoRA", "--vault", "{v}", "--json"),
    ("why", "LoRA", "CoT", "--vault", "{v}"), ("compare", "LoRA", "QLoRA", "--vault", "{v}"),
    ("show", "Victim", "--vault", "{v}"), ("links", "--vault", "{v}", "--json"), ("check", "--vault", "{v}"),
    ("index", "{v}"), ("status", "--vault", "{v}"),
    ("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "--vault", "{v}"),
    ("sparql", "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "--vault", "{v}"),
]


class _Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _symlink_out(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\nSECRET text beside the vault\n", encoding="utf-8")
    (vault / "Victim.md").symlink_to(outside)


def _killed_after_commit(vault: Path, tmp_path: Path) -> None:
    with open(vault / "methods" / "LoRA.md", "a", encoding="utf-8") as f:
        f.write("\n- LoRA drifts on long chains, a line the killed run committed.\n")
    import os

    died = subprocess.run([sys.executable, "-c", _DIE, str(vault), "after-commit"], capture_output=True, text=True,
                          env={**os.environ, "KG_MODEL": "fake"}, timeout=300)
    assert died.returncode == 9, died.stderr


def _planted_pickles(vault: Path, tmp_path: Path) -> None:
    for name in ("concepts.pickle", "concepts.json"):
        (vault / ".kg" / name).write_bytes(pickle.dumps(("key", _Payload(str(tmp_path / f"ran-{name}")))))


STATES = {"symlink-out": _symlink_out, "killed-after-commit": _killed_after_commit, "planted-pickles": _planted_pickles}


@pytest.mark.parametrize("state", list(STATES))
def test_no_command_shows_a_traceback(state, tmp_path):
    vault = demo_copy(tmp_path / "vault", index=True)
    STATES[state](vault, tmp_path)
    for command in COMMANDS:
        args = [a.replace("{v}", str(vault)) for a in command]
        result = run_kg(*args, check=False)
        assert "Traceback" not in result.stderr, (command[:2], result.stderr[-2000:])
        assert result.returncode == 0 or len(result.stderr.strip().splitlines()) == 1, (command[:2], result.stderr)
    assert not list(tmp_path.glob("ran-*")), "a planted pickle ran"
    assert "SECRET" not in run_kg("export", "--vault", str(vault), "--format", "nt").stdout
