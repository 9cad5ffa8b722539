"""``kg show`` and ``kg links``."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import JsonOption, VaultOption, app, console, emit_json, ensure_index, safe, vault_root


@app.command()
def show(note: Annotated[str, typer.Argument(help="Note name or vault-relative path.")],
         vault: VaultOption = None, json_out: JsonOption = False) -> None:
    """The parsed record of one note: frontmatter, sections, links, tags, footnotes, callouts, tables, repairs."""
    from ..service import show_note, shown_dict

    root = vault_root(vault)
    shown = show_note(root, note)
    data = shown_dict(shown)
    if json_out:
        emit_json(data)
        return
    n = shown.note
    out = console()
    out.print(f"[bold]{safe(n.path)}[/]  {n.line_count} lines  sha256 {n.sha256[:12]}")
    if n.frontmatter_lines:
        out.print(f"frontmatter (lines {n.frontmatter_lines[0]}-{n.frontmatter_lines[1]}): {', '.join(n.frontmatter)}",
                  markup=False)
    if n.aliases:
        out.print(f"aliases: {', '.join(n.aliases)}", markup=False)
    if n.tags:
        out.print("tags: " + ", ".join(f"#{t.name} ({t.line})" for t in n.tags), markup=False)
    _block(out, "sections", [f"{s.line}-{s.end_line}  {'#' * s.level} {' › '.join(s.path)}" for s in n.sections])
    _block(out, "links", [f"{link['line']}  {link['raw']}  →  {_target(link['resolved'], link['alias_of'])}"
                          for link in data["links"]])
    _block(out, "footnotes", [f"{f.line}  [^{f.label}]: {f.text}" for f in n.footnotes])
    _block(out, "callouts", [f"{c.line}-{c.end_line}  [!{c.type}]{c.fold or ''} {c.title}" for c in n.callouts])
    _block(out, "chat messages", [f"{m.line}-{m.end_line}  {m.role} ({m.author}) {m.timestamp or ''} uid={m.uid}"
                                  for m in n.messages])
    _block(out, "tables", [f"{t.line}-{t.end_line}  {len(t.rows)} rows: {' | '.join(t.header)}" for t in n.tables])
    _block(out, "inline fields", [f"{f.line}  {f.key}:: {f.value}" for f in n.fields])
    _block(out, "block ids", [f"{b.line}  ^{b.id}" for b in n.block_ids])
    _block(out, "learned terms", [f"{t.line}  {t.kind}: {t.text}" + (f"  ↔ {t.partner}" if t.partner else "")
                                  for t in shown.terms])
    _block(out, "repairs", [f"{r.kind}: {r.detail}" for r in n.repairs])
    _block(out, "warnings", [str(w) for w in n.warnings])


def _target(target: str | None, alias_of: str | None) -> str:
    if alias_of:
        return f"(unresolved in Obsidian: matches an alias of {alias_of})"
    return target or "(unresolved)"


def _block(out, title: str, rows: list[str]) -> None:
    if rows:
        out.print(f"\n[bold]{title}[/] ({len(rows)})")
        for row in rows:
            out.print("  " + row, markup=False)


@app.command()
def links(vault: VaultOption = None, json_out: JsonOption = False,
          unresolved: Annotated[bool, typer.Option("--unresolved", help="Only links that resolve to nothing.")] = False
          ) -> None:
    """Every link in the vault with the file Obsidian would open (null when unresolved)."""
    from ..service import all_links

    root = vault_root(vault)
    ensure_index(root, quiet=json_out)
    rows = [r for r in all_links(root) if not (unresolved and r["resolved"])]
    if json_out:
        emit_json(rows)
        return
    out = console()
    for r in rows:
        out.print(f"{r['source']}:{r['line']}  {r['raw']}  →  {_target(r['target'], r['alias_of'])}", markup=False)
    out.print(f"{len(rows)} links, {sum(not r['resolved'] for r in rows)} unresolved")
