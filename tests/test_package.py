"""The package as a user installs it: the wheel built from this checkout, installed into a fresh venv,
works from anywhere (the schema and the demo vault ship inside it; nothing is read from the checkout).

CI runs ``make test``, and so this. The venv takes its packages from the registries pip is configured
with and its cache; the default dependencies never pull in torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.package

SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "schema", "vault")


def _run(*args, cwd: Path, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env=env)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict]:
    """A fresh venv holding the wheel built from a copy of the checkout (a build writes build/ beside its
    sources: never into the repository)."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns(".kg", "__pycache__", "*.egg-info"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(src, source / name)
    dist = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source, cwd=work)
    wheels = list(dist.glob("vaultgraph-*.whl"))
    assert len(wheels) == 1, wheels
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=work)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0], cwd=work)
    env = {k: v for k, v in os.environ.items() if k not in ("KG_VAULT", "KG_MODEL", "KG_ENDPOINT", "PYTHONPATH",
                                                           "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv, env


def test_wheel_works_outside_the_checkout(installed, tmp_path):
    venv, env = installed
    python = venv / "bin" / "python"
    where = _run(python, "-c", "import importlib.util as u, vaultgraph, vaultgraph.resources as r; "
                 "print(vaultgraph.__file__); print(r.schema_dir()); print(r.demo_vault_dir()); "
                 "print(u.find_spec('torch'))", cwd=tmp_path, env=env).stdout.splitlines()
    site = venv.resolve()
    assert all(Path(p).resolve().is_relative_to(site) for p in where[:3]), where  # nothing from the checkout
    assert where[3] == "None", "the default install pulled in torch"
    shipped = Path(where[2])
    assert not (shipped / ".kg").exists() and (shipped / ".obsidian").is_dir()
    vault = tmp_path / "demo"
    shutil.copytree(shipped, vault)
    kg = venv / "bin" / "kg"
    report = json.loads(_run(kg, "index", vault, "--json", cwd=tmp_path, env=env).stdout)
    assert report["notes"] == len(list(vault.rglob("*.md"))) and report["failed"] == 0
    answer = json.loads(_run(kg, "ask", "risks of LoRA on CoT", "--vault", vault, "--json", cwd=tmp_path,
                             env=env).stdout)
    assert answer["answers"] and all(c["path"] for a in answer["answers"] for c in a["citations"])
    check = _run(kg, "check", "--vault", vault, "--json", cwd=tmp_path, env=env)
    assert json.loads(check.stdout)["conforms"] is True
    _serves_its_page(kg, vault, tmp_path, env)


def _serves_its_page(kg: Path, vault: Path, cwd: Path, env: dict) -> None:
    """``kg serve`` from the wheel: the page and everything it loads ship inside the package."""
    import urllib.request

    proc = subprocess.Popen([str(kg), "serve", str(vault), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
    try:
        line = proc.stdout.readline()
        assert "http://" in line, proc.stderr.read() if proc.poll() is not None else line
        base = "http://" + line.split("http://", 1)[1].split("/", 1)[0]
        for path in ("/", "/static/app.js", "/static/graph.js", "/static/app.css", "/api/ask?q=LoRA"):
            with urllib.request.urlopen(base + path, timeout=60) as response:
                assert response.status == 200 and response.read(), path
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert proc.returncode == 0
