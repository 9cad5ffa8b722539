"""``kg terms``: the vocabulary the vault defines itself."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .app import JsonOption, VaultOption, app, console, emit_json, ensure_index, fail, vault_root


@app.command()
def terms(vault: VaultOption = None, json_out: JsonOption = False,
          ttl: Annotated[bool, typer.Option("--ttl", help="SKOS Turtle, to promote terms into the scheme.")] = False,
          kind: Annotated[list[str] | None, typer.Option("--kind", help="Only these kinds (title, alias, heading, "
                                                                        "bold, row, field, pair); repeat.")] = None
          ) -> None:
    """The terms the vault names or defines (titles, aliases, headings, bold terms, table rows, Dataview keys,
    bracketed translations), each with where it is defined: they answer questions beside the concept scheme."""
    from ..service.vocabulary import KINDS, learned_terms, to_turtle

    unknown = [k for k in kind or () if k not in KINDS]
    if unknown:
        fail(f"unknown kind {unknown[0]!r}: use one of {', '.join(KINDS)}")
    root = vault_root(vault)
    ensure_index(root)
    found = learned_terms(root, tuple(kind or ()))
    if ttl:
        sys.stdout.write(to_turtle(found))
        return
    if json_out:
        emit_json([t.to_dict() for t in found])
        return
    out = console()
    for t in found:
        labels = " · ".join(text for text, _ in t.labels)
        where = ", ".join(f"{p}:{a}" for p, a, _ in t.places[:3]) + (" …" if len(t.places) > 3 else "")
        out.print(f"{labels}  [{', '.join(t.kinds)}]  {where}", markup=False, highlight=False)
    out.print(f"{len(found)} terms", markup=False)
