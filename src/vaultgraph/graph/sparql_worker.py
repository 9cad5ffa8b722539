"""The child process that runs one user query (``sparql.run``): ``python -m vaultgraph.graph.sparql_worker
VAULT [ENDPOINT]``, the query on stdin.

It opens the graph the index last committed (or the server at ENDPOINT) and writes, flushing every row so the
parent can print it at once: a first line ``select``, ``ask true``/``ask false`` or ``graph``; then for a
SELECT the SPARQL TSV results (a header of variables, one line per row, terms in N-Triples syntax), for a
CONSTRUCT/DESCRIBE N-Triples lines. A failure is one line on stderr, ``ErrorClass<TAB>message``, and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    import pyoxigraph as ox

    from ..errors import VaultgraphError
    from .store import open_graph

    root, endpoint = Path(argv[0]), (argv[1] if len(argv) > 1 and argv[1] else None)
    out = sys.stdout.buffer
    try:
        query = sys.stdin.buffer.read().decode("utf-8")
        graph = open_graph(root, readonly=True, endpoint=endpoint)
        result = graph.query(query, stream=True) if endpoint else graph.query(query)
        if isinstance(result, bool):
            out.write(b"ask true\n" if result else b"ask false\n")
        elif isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            out.write(("select\n" + "\t".join("?" + n for n in names) + "\n").encode("utf-8"))
            out.flush()
            for solution in result:
                out.write(("\t".join(_term(solution[n]) for n in names) + "\n").encode("utf-8"))
                out.flush()
        else:
            out.write(b"graph\n")
            out.flush()
            for triple in result:
                out.write(f"{triple} .\n".encode("utf-8"))
                out.flush()
        out.flush()
        return 0
    except BrokenPipeError:  # the parent stopped reading: it had rows enough
        return 0
    except SyntaxError as exc:
        return _fail("QueryFailed", f"SPARQL syntax error: {exc}")
    except VaultgraphError as exc:
        return _fail(type(exc).__name__, str(exc))
    except Exception as exc:  # noqa: BLE001 - the engine's own errors, reported in one line by the parent
        return _fail("QueryFailed", f"the SPARQL engine failed: {type(exc).__name__}: {exc}")


def _term(term) -> str:
    return "" if term is None else str(term)


def _fail(kind: str, message: str) -> int:
    sys.stderr.write(f"{kind}\t{' '.join(message.split())}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
