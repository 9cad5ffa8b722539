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
