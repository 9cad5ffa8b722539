"""``load(root)``: the reasoning graph of a vault, from ``VAULT/.kg/reason*.pickle`` when they are current.

The cache is keyed by what the index says: the graph signature (schema, extraction rules, the vault's
names and note types; when it changes ``kg index`` re-extracts every note, so every piece is read
again) and each note's ``notes.sha256``. A note whose hash changed, or that is new, has its named
graph read from the store again; a note that is gone is taken out; the rest of the cached graph is
kept as it is. The key also holds a hash of the code that builds the graph (``code_version``), so a
new kg never reads an old kg's cache. The file is written to a temporary name and moved into place
with ``os.replace``, so a reader never sees half of it; a vault we cannot write to goes uncached.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path

from ..errors import IndexChanged
from ..layout import reason_cache
from ..runtime import no_gc as _no_gc
from .build import ReasonGraph
from .model import BuildStats
from .read import piece_from_quads

FORMAT = "reason-1"
PARTS = ("claims", "book")  # besides the graph part: see ReasonGraph
_MEMO: dict[str, tuple[str, ReasonGraph]] = {}


def cache_path(root: Path) -> Path:
    return reason_cache(root)


def code_version() -> str:
    """The cache format and the code that fills it: a new kg never reads an old kg's cache."""
    h = hashlib.sha256(FORMAT.encode())
    for name in ("build.py", "edges.py", "read.py", "model.py"):
        h.update((Path(__file__).with_name(name)).read_bytes())
    return h.hexdigest()[:16]


def _index_state(root: Path):
    from ..index.concepts import concept_index
    from ..store import reader
    from ..store.sqlite import get_meta

    with reader(root) as conn:
        signature = get_meta(conn).get("graph_signature", "")
        # graph_key changes whenever the note's named graph is rewritten: also when only its links now
        # resolve differently (its bytes, and so its sha256, unchanged)
        shas = {r["path"]: r["graph_key"] or r["sha256"] for r in
                conn.execute("SELECT path, sha256, graph_key FROM notes WHERE record IS NOT NULL ORDER BY path")}

        def concepts():
            with reader(root) as again:
                return concept_index(again)

    return f"{code_version()}\0{signature}", shas, concepts


def load(root: Path | str, endpoint: str | None = None, *, use_cache: bool = True) -> ReasonGraph:
    """The vault's reasoning graph, built lazily from the RDF store and kept in step with the index."""
    started = time.perf_counter()
    root = Path(root).resolve()
    key, shas, concepts = _index_state(root)
    digest = hashlib.sha256(key.encode() + repr(sorted(shas.items())).encode()).hexdigest()
    memo = _MEMO.get(str(root))
    if memo and memo[0] == digest:
        return memo[1]
    with _no_gc():  # hundreds of thousands of small objects and no cycles: the collector only slows this
        rg = _read_cache(root, key) if use_cache else None
        full = rg is None
        if rg is None:
            rg = ReasonGraph(concepts())
            rg.cache_key = key
        changed = [p for p, sha in shas.items() if rg.shas.get(p) != sha]
        removed = [p for p in rg.notes if p not in shas]
        for path in removed:
            rg.remove_note(path)
        read = 0
        if changed:
            answers = _saved_answers(root, changed)
            for path, piece in _pieces(root, endpoint, changed):
                rg.add_note(_unsaid(piece) if path in answers else piece, shas[path])
                read += 1
        rg.state = digest
        if (changed or removed or full) and use_cache:
            _write_cache(root, rg)
    rg._fetch = _fetcher(root, endpoint)
    rg.stats = BuildStats(notes=len(rg.notes), notes_read=read, claims=rg.claim_count,
                          nodes=rg.G.number_of_nodes(), edges=rg.G.number_of_edges(),
                          seconds=time.perf_counter() - started, from_cache=not full, full=full)
    _MEMO[str(root)] = (digest, rg)
    return rg


def _saved_answers(root: Path, paths: list[str]) -> set[str]:
    """Those of ``paths`` that are answers ``kg ask --save`` wrote (``index.passages.saved_answer``)."""
    from ..index.passages import ANSWER_KEY, answer_mark
    from ..store import reader

    out: set[str] = set()
    with reader(root) as conn:
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            rows = conn.execute(f"SELECT path, json_extract(record, '$.frontmatter.{ANSWER_KEY}') AS mark FROM notes "
                                f"WHERE path IN ({','.join('?' * len(chunk))})", chunk)
            out.update(r["path"] for r in rows if answer_mark(r["mark"]))
    return out


def _unsaid(piece):
    """A saved answer in the reasoning graph: a note that states nothing (its links kept: it is no orphan). Its
    statements are copies of the ones it cites; kept, they filled `kg compare` cells and why-paths with
    citations of the copy (LoRA vs DPO on the demo vault: 118 of 337 cell citations)."""
    from .model import NotePiece

    return NotePiece(path=piece.path, title=piece.title, aliases=piece.aliases, defines=(),
                     first_section=piece.first_section, links=piece.links, claims=(), mitigates=(), causes=(),
                     sources=())


def _fetcher(root: Path, endpoint: str | None):
    """Read one note's piece from the store: what ``why`` does instead of loading every claim."""
    opened: list = []

    def fetch(path: str):
        from ..graph.build import note_iri
        from ..graph.store import open_graph

        if not opened:
            opened.append(open_graph(root, readonly=True, endpoint=endpoint))
        store = getattr(opened[0], "store", None)
        if store is None:
            return next(_pieces(root, endpoint, [path]))[1]
        return piece_from_quads(path, store.quads_for_pattern(None, None, None, note_iri(path)))

    return fetch


def _pieces(root: Path, endpoint: str | None, paths: list[str]):
    """(path, NotePiece) for each note, read from its named graph."""
    from ..graph.build import note_iri
    from ..graph.store import open_graph

    graph = open_graph(root, readonly=True, endpoint=endpoint)
    store = getattr(graph, "store", None)
    try:
        if store is not None:
            for path in paths:
                yield path, piece_from_quads(path, store.quads_for_pattern(None, None, None, note_iri(path)))
            return
        wanted = {note_iri(p).value: p for p in paths}
        grouped: dict[str, list] = {p: [] for p in paths}
        for quad in graph.quads():
            path = wanted.get(getattr(quad.graph_name, "value", None))
            if path is not None:
                grouped[path].append(quad)
        for path in paths:
            yield path, piece_from_quads(path, grouped[path])
    finally:
        del graph, store


def _part_path(root: Path, part: str) -> Path:
    return reason_cache(root, None if part == "graph" else part)


def _read_cache(root: Path, key: str) -> ReasonGraph | None:
    """The graph part, when it and the other parts' headers all match ``key`` and one state."""
    try:
        with open(_part_path(root, "graph"), "rb") as f:
            header = pickle.load(f)
            if not isinstance(header, tuple) or header[0] != key:
                return None
            for part in PARTS:
                with open(_part_path(root, part), "rb") as g:
                    if pickle.load(g) != header:
                        return None  # a run stopped between writing the parts: build again
            rg = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(rg, ReasonGraph):
        return None

    def loader(part: str):
        with _no_gc(), open(_part_path(root, part), "rb") as g:
            if pickle.load(g) != header:
                raise IndexChanged(f"{_part_path(root, part)} changed while kg was reading it: run the command again")
            return pickle.load(g)

    rg._loader = loader
    return rg


def _write_cache(root: Path, rg: ReasonGraph) -> None:
    """Every part, each to a temporary file moved into place; the graph part last."""
    header = (rg.cache_key, rg.state)
    data = rg.parts()
    for part, obj in [*((p, data[p]) for p in PARTS), ("graph", rg)]:
        target = _part_path(root, part)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".reason-", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
            tmp = None
        except OSError:
            return  # a read-only vault: answer without a cache
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def clear_memo() -> None:
    _MEMO.clear()
