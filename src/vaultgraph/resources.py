"""Where the files that ship with vaultgraph live: the ontology (``schema/``) and the demo ``vault/``.

An installed package carries them as ``vaultgraph/_data/`` (copied there when the wheel is built, see
``setup.py``); a checkout, or an editable install of one, reads the repository's top-level folders.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def _shipped(name: str) -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / name
    return packaged if packaged.is_dir() else here.parents[1] / name


def is_packaged() -> bool:
    """True for an installed package (its data in ``vaultgraph/_data/``), False for a checkout."""
    return (Path(__file__).resolve().parent / "_data" / "vault").is_dir()


SCHEMA_FILES = ("vaultgraph.ttl", "concepts.ttl")  # the ontology and concept scheme: the graph's schema graph


def schema_dir() -> Path:
    return _shipped("schema")


def demo_vault_dir() -> Path:
    return _shipped("vault")
