"""``kg export`` and ``kg sparql`` (and ``kg serve``'s SPARQL route): the vault graph as a file, and a user's
SPARQL query checked, then run in a child process under limits (``graph.sparql``)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO


def export_formats() -> tuple[str, ...]:
    """The formats ``export_graph`` writes: ttl, nt, jsonld, graphml."""
    from ..graph.export import FORMATS

    return FORMATS


def export_graph(root: Path, fmt: str, out: BinaryIO, with_schema: bool = False, endpoint: str | None = None) -> None:
    """Write the graph the index last committed to ``out`` in ``fmt``, one note's graph at a time; the same
    vault always gives the same bytes."""
    from ..graph.copies import graph_source
    from ..graph.export import write
    from ..graph.store import open_graph

    graph = open_graph(root, readonly=True, endpoint=endpoint)
    write(graph, fmt, out, include_schema=with_schema, read=graph_source(root, graph))


def check_sparql(query: str) -> None:
    """Refuse SERVICE, updates and queries nested too deep, before anything runs (``VaultgraphError``)."""
    from ..graph import sparql as engine

    engine.check(query)


def sparql_limits(seconds: float | None = None, rows: int | None = None, memory: int | None = None):
    """``graph.sparql.Limits``: each bound given (seconds, rows, bytes; 0: none), else the default."""
    from ..graph import sparql as engine

    default = engine.Limits()
    return engine.Limits(seconds=default.seconds if seconds is None else seconds,
                         rows=default.rows if rows is None else rows,
                         memory=default.memory if memory is None else memory)


def run_sparql(root: Path, query: str, out: BinaryIO, as_json: bool = False, endpoint: str | None = None,
               limits=None):
    """Run a checked query, writing its results to ``out`` as they are found (SPARQL results JSON, or the
    text table); returns the finished result (``rows``, ``truncated``)."""
    from ..graph import sparql as engine

    with engine.run(root, query, endpoint=endpoint, limits=limits or engine.Limits()) as result:
        (engine.write_json if as_json else engine.write_text)(result, out)
    return result


__all__ = ["check_sparql", "export_formats", "export_graph", "run_sparql", "sparql_limits"]
