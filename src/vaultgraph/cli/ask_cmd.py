"""``kg ask`` and ``kg search``: cited answers, grouped by role, as text, JSON or Markdown."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import JsonOption, VaultOption, app, console, emit_json, plain_lines, say, vault_root

TopOption = Annotated[int, typer.Option("--top", "-k", min=1, max=100, help="Answers to show.")]
MarkdownOption = Annotated[bool, typer.Option("--markdown", help="Print Markdown that pastes into a note.")]
RefreshOption = Annotated[bool, typer.Option("--refresh", help="Re-index what changed before answering.")]
SaveOption = Annotated[Optional[str], typer.Option(
    "--save", metavar="[PATH]", show_default=False,
    help="Also write the answer as a new note, PATH relative to the vault (default Answers/<question>.md).")]
ForceOption = Annotated[bool, typer.Option("--force", help="With --save: replace a note already at PATH.")]
ThreadsOption = Annotated[Optional[int], typer.Option(
    "--threads", envvar="KG_THREADS", min=1, help="Threads for the model and FAISS (default 1: fastest per query).")]

def bare_save(argv: list[str]) -> list[str]:
    """``--save`` given without its PATH (last, or followed by another option) becomes ``--save=`` (the
    default path): typer's parser has no options with an optional value."""
    out = list(argv)
    for i, arg in enumerate(out):
        if arg == "--":
            break
        if arg == "--save" and (i + 1 == len(out) or out[i + 1].startswith("-")):
            out[i] = "--save="
    return out


def settings_model() -> str | None:
    return os.environ.get("KG_MODEL") or None


def _searcher(root: Path, refresh: bool, quiet: bool, threads: int | None):
    """A searcher over an up-to-date enough index: built when missing, refreshed on request."""
    from ..service.opening import index_or_wait, open_searcher
    from .index_cmd import run_index

    def index(folder: Path):
        return index_or_wait(folder, lambda f: run_index(f, quiet=quiet, model=settings_model(), threads=threads),
                             None if quiet else say)

    return open_searcher(root, index, threads=threads, refresh=refresh, say=say)


def _run(question: str, vault, top: int, json_out: bool, markdown: bool, refresh: bool, threads, plain: bool,
         save: str | None = None, force: bool = False):
    from ..service import live

    root = vault_root(vault)
    target = _save_target(root, save, question, force) if save is not None else None
    # a running `kg serve` of this vault answers from a warm process, and keeps the index current itself
    wire = None if refresh else live.ask(root, question, top, plain=plain)
    if wire is not None:
        notices, data = list(wire["notices"]), wire["result"]
        # JSON is printed as it came; text, Markdown and a saved note need the Result
        result = None if json_out and target is None else live.result_from_wire(wire)
    else:
        searcher = _searcher(root, refresh, quiet=json_out or markdown, threads=threads)
        try:
            result = searcher.ask(question, top, plain=plain, check=not refresh)
        finally:
            searcher.close()
        notices, data = list(result.notices), None
    say(*notices)
    if json_out:
        emit_json(data if data is not None else result.to_dict())
    elif markdown:
        from ..render.answers import answer_markdown

        sys.stdout.write(plain_lines(answer_markdown(result)))
    else:
        from ..render.terminal import print_result

        print_result(console(), result, root)
    if target is not None:
        _save(root, result, target, force)


def _save_target(root: Path, save: str, question: str, force: bool) -> str:
    """Checked before the question runs: a path outside the vault or an existing note exits 2 at once."""
    from ..service.saving import SaveRefused, target_path

    try:
        return target_path(root, save or None, question, force)
    except SaveRefused as exc:
        typer.echo(f"kg: {exc}", err=True)
        raise typer.Exit(2) from None


def _save(root: Path, result, target: str, force: bool) -> None:
    from ..service.saving import SaveRefused, save_answer

    try:
        save_answer(root, result, target, force=force)
    except SaveRefused as exc:
        typer.echo(f"kg: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"kg: saved the answer as {target} (run `kg index` to index it)", err=True)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='A question, e.g. "risks of LoRA on CoT" or «чем грозит reward hacking».')],
    vault: VaultOption = None,
    top: TopOption = 8,
    json_out: JsonOption = False,
    markdown: MarkdownOption = False,
    refresh: RefreshOption = False,
    threads: ThreadsOption = None,
    save: SaveOption = None,
    force: ForceOption = False,
) -> None:
    """Answer a question from the vault: passages grouped by role, each citing path:line and heading."""
    _run(question, vault, top, json_out, markdown, refresh, threads, plain=False, save=save, force=force)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words or a sentence to search for.")],
    vault: VaultOption = None,
    top: TopOption = 10,
    json_out: JsonOption = False,
    markdown: MarkdownOption = False,
    refresh: RefreshOption = False,
    threads: ThreadsOption = None,
) -> None:
    """Plain semantic + lexical search over the vault's passages, with the same citations as ask."""
    _run(query, vault, top, json_out, markdown, refresh, threads, plain=True)
