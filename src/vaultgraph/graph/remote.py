"""The vault graph on a SPARQL 1.1 server instead of the embedded store: same interface as ``LocalGraph``.

Only the standard library speaks HTTP (``urllib``); pyoxigraph parses and serialises. Endpoints default
to Oxigraph's server layout next to one base URL (``oxigraph serve --location DIR``)::

    RemoteGraph("http://127.0.0.1:7878")          # query /query, update /update, Graph Store /store
    RemoteGraph("http://host/ds/sparql", update_endpoint=..., store_endpoint=...)   # any other server

* ``replace_note`` is one Graph Store HTTP Protocol ``PUT ?graph=<note IRI>`` with N-Triples, which the
  server applies atomically; ``remove_note`` is ``DELETE ?graph=`` (a 404 for a missing graph is fine).
* ``load_schema`` parses the packaged Turtle files locally and ``PUT``s them into ``SCHEMA_GRAPH``.
* ``quads`` is ``GET`` on the store endpoint with ``Accept: application/n-quads`` (the whole dataset).
* ``query`` is the SPARQL 1.1 Protocol (``POST application/sparql-query``), refused for updates exactly
  like ``LocalGraph.query``. Like the local store it sees the union of all graphs as the default graph:
  every query carries Oxigraph's ``union-default-graph`` URL parameter (``union_default_graph=False``
  leaves it out, for a server that rejects it and is configured for a union default graph itself).
  Results are real pyoxigraph objects, so callers need not know which backend answered:
  SELECT gives ``pyoxigraph.QuerySolutions`` (``.variables``, ``solution[name]``, ``.serialize()``),
  ASK a plain ``bool``, CONSTRUCT/DESCRIBE ``pyoxigraph.QueryTriples`` (iterates ``Triple``s,
  ``.serialize()``), rebuilt from the server's N-Triples through a throwaway in-memory store.
* HTTP 4xx/5xx raise ``RemoteError``; no answer at all (refused, DNS, timeout) ``RemoteUnavailable``.
  Both are ``VaultgraphError``s with a one-line message naming the endpoint.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ..errors import RemoteError, RemoteUnavailable  # noqa: F401  (raised here)
from ..resources import SCHEMA_FILES, schema_dir
from .build import note_iri
from .namespace import SCHEMA_GRAPH
from .store import check_read_only, typed_nodes, without_schema

N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
RESULTS_JSON = "application/sparql-results+json"


class RemoteGraph:
    """The vault graph on a SPARQL 1.1 server (Protocol, Update and Graph Store HTTP Protocol)."""

    def __init__(self, endpoint: str, update_endpoint: str | None = None, store_endpoint: str | None = None,
                 timeout: float = 30, union_default_graph: bool = True):
        endpoint = endpoint.rstrip("/")
        base = endpoint[: -len("/query")] if endpoint.endswith("/query") else endpoint
        self.query_endpoint = endpoint if endpoint.endswith("/query") else base + "/query"
        self.update_endpoint = update_endpoint or base + "/update"
        self.store_endpoint = store_endpoint or base + "/store"
        self.timeout = timeout
        self.union_default_graph = union_default_graph

    # -- writing ---------------------------------------------------------------------------------
    def replace_note(self, path: str, quads: Iterable[ox.Quad]) -> None:
        graph = note_iri(path)
        triples = []
        for quad in quads:
            if quad.graph_name != graph:
                raise ValueError(f"quad {quad} is not in the graph of note {path!r} ({graph})")
            triples.append(quad.triple)
        if not triples:  # the local store keeps no empty graphs either
            self.remove_note(path)
            return
        self._put_graph(graph, triples)

    def remove_note(self, path: str) -> None:
        self._drop(note_iri(path))

    def apply(self, graphs: dict[str, str], unmark: tuple[str, ...] = (), mark: str | None = None) -> None:
        """Replace these graphs (IRI → N-Triples; empty drops one), one Graph Store request each. The state
        marks of ``LocalGraph.apply`` are not kept here (a server need not keep an empty graph): the index
        records what was applied (``journal.py``)."""
        for iri, text in graphs.items():
            if text:
                self._request("PUT", self._graph_url(ox.NamedNode(iri)), text.encode("utf-8"), N_TRIPLES)
            else:
                self._drop(ox.NamedNode(iri))

    def _drop(self, graph: ox.NamedNode) -> None:
        try:
            self._request("DELETE", self._graph_url(graph))
        except RemoteError as exc:
            if getattr(exc, "status", None) != 404:
                raise

    def load_schema(self) -> None:
        triples = [quad.triple for name in SCHEMA_FILES
                   for quad in ox.parse(path=str(schema_dir() / name), format=ox.RdfFormat.TURTLE)]
        self._put_graph(ox.NamedNode(str(SCHEMA_GRAPH)), triples)

    def flush(self) -> None:
        """Nothing to do: the server persists each request before answering it."""

    # -- reading ---------------------------------------------------------------------------------
    def quads(self, include_schema: bool = False) -> Iterator[ox.Quad]:
        body, _ = self._request("GET", self.store_endpoint, accept=N_QUADS)
        yield from without_schema(ox.parse(body, format=ox.RdfFormat.N_QUADS), include_schema)

    def graph_names(self) -> list[str]:
        """The IRIs of the server's named graphs (SPARQL ``GRAPH ?g {}``)."""
        from .journal import STATE

        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return [r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode) and not r["g"].value.startswith(STATE)]

    def instances(self, classes: list[str]) -> dict[str, set[str]]:
        """Node → which of ``classes`` the notes' graphs type it with (``?s rdf:type C``)."""
        return typed_nodes(self.query, classes)

    def graph_ntriples(self, iri: str) -> bytes:
        """One named graph as N-Triples (Graph Store ``GET ?graph=``); a missing graph is empty."""
        try:
            body, _ = self._request("GET", self._graph_url(ox.NamedNode(iri)), accept=N_TRIPLES)
        except RemoteError as exc:
            if getattr(exc, "status", None) == 404:
                return b""
            raise
        return body

    def query(self, sparql: str, stream: bool = False):
        """The answer as pyoxigraph objects; with ``stream`` rows are parsed as the server sends them (a
        CONSTRUCT then gives an iterator of ``Triple``s) instead of after the whole answer is read."""
        check_read_only(sparql)
        url = self.query_endpoint + ("?union-default-graph" if self.union_default_graph else "")
        response, media = self._open("POST", url, sparql.encode("utf-8"), "application/sparql-query",
                                     accept=f"{RESULTS_JSON}, {N_TRIPLES};q=0.9")
        body = response if stream else self._read(response, self.query_endpoint)
        if media == RESULTS_JSON:
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            return bool(result) if isinstance(result, ox.QueryBoolean) else result
        rdf = ox.RdfFormat.from_media_type(media) if media else None
        if rdf is None or rdf.supports_datasets:
            raise RemoteError(f"SPARQL server at {self.query_endpoint} answered with unexpected type {media!r}")
        if stream:
            return (q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, format=rdf))
        return _as_query_triples(ox.parse(body, format=rdf))

    # -- HTTP --------------------------------------------------------------------------------------
    def _put_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self._request("PUT", self._graph_url(graph), data, N_TRIPLES)

    def _graph_url(self, graph: ox.NamedNode) -> str:
        return self.store_endpoint + "?" + urllib.parse.urlencode({"graph": graph.value})

    def _request(self, method: str, url: str, data: bytes | None = None, content_type: str | None = None,
                 accept: str | None = None) -> tuple[bytes, str]:
        """Send one request; return the body and the bare media type of the answer."""
        response, media = self._open(method, url, data, content_type, accept)
        return self._read(response, url.split("?", 1)[0]), media

    def _read(self, response, endpoint: str) -> bytes:
        try:
            with response:
                return response.read()
        except OSError as exc:
            raise RemoteUnavailable(f"SPARQL server at {endpoint} stopped answering: {_one_line(str(exc))}") from None

    def _open(self, method: str, url: str, data: bytes | None = None, content_type: str | None = None,
              accept: str | None = None):
        """Send one request; return the open response and the bare media type of the answer."""
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        endpoint = url.split("?", 1)[0]
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
            media = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
            return response, media
        except urllib.error.HTTPError as exc:
            detail = _one_line(exc.read().decode("utf-8", "replace")) if exc.fp else ""
            error = RemoteError(f"SPARQL server at {endpoint} answered {exc.code} {exc.reason}"
                                + (f": {detail}" if detail else ""))
            error.status = exc.code
            raise error from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteUnavailable(f"SPARQL server at {endpoint} is unreachable: {_one_line(str(reason))}") from None


def _as_query_triples(triples: Iterable[ox.Triple | ox.Quad]) -> ox.QueryTriples:
    """Wrap parsed triples in a real ``QueryTriples`` (what ``Store.query`` gives for CONSTRUCT)."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _one_line(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
