"""One service layer behind the CLI, kg serve and kg mcp: plain functions over a vault root.

Submodules are imported on first use, so a command pays only for what it runs (``kg ask`` never
imports the parser or rdflib).

    indexing.py    index_vault: list, parse (in worker processes), resolve, then graphing and search, one commit
    graphing.py    the graph stage of a run: extract each changed note, its quads, passages and terms
    asking.py      Searcher, ask, search: a question through query/ (and reason/ for comparisons and paths)
    opening.py     find_vault, ensure_index, open_searcher: the vault a command names, indexed first when needed
    reasoning.py   why, compare: the reasoning graph (reason/), for kg why, kg compare and the servers
    querying.py    export_graph, run_sparql: the graph as a file, a user's SPARQL under limits
    checking.py    check_vault: the kg check report, as a record
    shaping.py     its SHACL part: each note's graph validated on its own, results stored per note
    reading.py     show_note, all_links, status: what the index holds
    vocabulary.py  the learned terms of a vault, listed and exported as SKOS
    watching.py    kg watch: re-index on changes, debounced
    first_index.py a long-running process's first index, in a thread, answering as early as it can
"""

from __future__ import annotations

from ..runtime import lazy_attributes

_LAZY = {"IndexReport": ".reports", "index_vault": ".indexing", "all_links": ".reading", "load_notes": ".reading",
         "show_note": ".reading", "shown_dict": ".reading", "status": ".reading"}

__all__ = ["IndexReport", "all_links", "index_vault", "load_notes", "show_note", "shown_dict", "status"]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
