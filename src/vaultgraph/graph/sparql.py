"""SPARQL from a user (``kg sparql``, the coming HTTP API): checked, bounded and streamed.

``run(root, query)`` is the one way in. Before anything parses the query, ``check`` reads it token by
token (codepoint escapes decoded first, as the grammar says; strings, IRIs and comments skipped):

* ``SERVICE``, in any case, anywhere — a subquery, behind prefixed IRIs — is refused: it makes the engine
  send the query to any address and print what comes back as if it came from the vault;
* updates (INSERT, DELETE, LOAD, …) are refused: the graph is read-only;
* brackets nested deeper than ``Limits.depth`` or more than ``Limits.operators`` operators and groups are
  refused: the engine parses and evaluates recursively, and 3,000 nested braces or 10,000 ``||`` crash it.

The query then runs in a child process (``python -m vaultgraph.graph.sparql``), which opens the store the
index names (or asks the ``--endpoint`` server) and writes each row as soon as it has it. The parent
reads rows as they come, and stops the child when it has given ``Limits.rows`` rows (the result is then
``truncated``), when the engine has worked ``Limits.seconds`` (time the caller spends on the rows it was
given is not counted), or when the child holds more than ``Limits.memory`` bytes. A crash of the engine
ends the child, never the caller.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueryFailed, QueryRefused, QueryStopped, ReadOnlyQuery, VaultgraphError

UPDATES = frozenset({"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"})
_OPERATORS = frozenset({"||", "&&", "!", "!=", "=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "{", "(",
                        "[", "union", "optional", "minus", "filter", "bind", "graph", "exists", "values"})


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0  # engine time; 0: none
    rows: int = 100_000  # 0: none
    memory: int = 2 * 2**30  # bytes the engine's process may hold (anonymous memory); 0: none
    depth: int = 64  # nested brackets
    operators: int = 2_000  # operators and groups in the whole query


# --- the check before parsing -----------------------------------------------------------------------

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_WORD = re.compile(r"[^\W\d][\w-]*(?::[\w:.%\\-]*)?|:[\w:.%\\-]*|[?$][\w]+|\d[\w.]*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_PUNCT = ("||", "&&", "!=", "<=", ">=", "^^")


def check(query: str, limits: Limits = Limits()) -> None:
    """Refuse SERVICE, updates and queries nested past the limits, in one linear pass over the text."""
    text = _UCHAR.sub(lambda m: _char(m.group(1) or m.group(2)), query)
    depth = operators = 0
    first = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            i = _string_end(text, i)
        elif c == "<" and (m := _IRI.match(text, i)):
            i = m.end()
        elif m := _WORD.match(text, i):
            word = m.group().lower()
            i = m.end()
            if word == "service":
                raise QueryRefused("SERVICE is refused: kg sparql reads the vault's graph only and never sends a "
                                   "query elsewhere")
            if first and word in UPDATES:
                raise ReadOnlyQuery(f"kg sparql is read-only: {word.upper()} and every other update is refused "
                                    "(edit the notes in Obsidian and run `kg index` instead)")
            if word in ("prefix", "base"):
                continue
            first = first and word.endswith(":")  # a prefix declaration's name
            operators += word in _OPERATORS
        else:
            token = text[i:i + 2] if text[i:i + 2] in _PUNCT else c
            i += len(token)
            first = False
            if token in "{([":
                depth += 1
                if depth > limits.depth:
                    raise QueryRefused(f"the query nests brackets deeper than {limits.depth} levels")
            elif token in "})]":
                depth -= 1
            operators += token in _OPERATORS
        if limits.operators and operators > limits.operators:
            raise QueryRefused(f"the query has more than {limits.operators:,} operators and groups")


def _char(hex_digits: str) -> str:
    code = int(hex_digits, 16)
    return chr(code) if code < 0x110000 else "\ufffd"


_STOPS = {q: re.compile(r"[\\%s]" % q) for q in "\"'"}
_SHORT_STOPS = {q: re.compile(r"[\\%s\r\n]" % q) for q in "\"'"}


def _string_end(text: str, i: int) -> int:
    """Where the string literal opening at ``i`` ends (the end of the text when it never does). A short
    string ends at a line break too: what follows is then read as query text, never hidden."""
    long = text.startswith(text[i] * 3, i)
    quote = text[i] * (3 if long else 1)
    stops = (_STOPS if long else _SHORT_STOPS)[text[i]]
    j = i + len(quote)
    while (m := stops.search(text, j)) is not None:
        j = m.start()
        if text[j] == "\\":
            j += 2
        elif text.startswith(quote, j):
            return j + len(quote)
        elif text[j] in "\r\n":
            return j
        else:
            j += 1  # one quote inside a long string
    return len(text)


# --- running ---------------------------------------------------------------------------------------

def run(root: Path, query: str, endpoint: str | None = None, limits: Limits = Limits()) -> Result:
    """Check ``query``, then run it over the vault's graph (or the server at ``endpoint``) in a child
    process; the ``Result`` streams its rows. Use it as a context manager (the engine is stopped on exit)."""
    import tempfile

    import vaultgraph

    check(query, limits)
    env = dict(os.environ)  # the child runs this very package
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(Path(vaultgraph.__file__).parents[1]),
                                                      env.get("PYTHONPATH"))))
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "vaultgraph.graph.sparql_worker", str(root), endpoint or ""],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env)
    guard = _Guard(proc, limits)
    guard.start()
    try:
        proc.stdin.write(query.encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    return Result(proc, guard, errors)


class Result:
    """A running query's answer. ``kind``: "select" (``variables``; iterating gives ``QuerySolution``s), "ask"
    (``boolean``) or "graph" (iterating gives ``Triple``s). Rows come as the engine finds them; ``truncated``
    says the row limit cut them; a limit reached or an engine failure raises while iterating."""

    def __init__(self, proc: subprocess.Popen, guard: _Guard, errors):
        import pyoxigraph as ox

        self._proc, self._guard, self._errors = proc, guard, errors
        self.truncated, self.rows, self.variables, self.boolean = False, 0, [], None
        head = proc.stdout.readline().decode("utf-8", "replace").split()
        if not head:
            try:
                self._finish()  # raises the engine's own error when it gave one
            finally:
                self.close()
            raise QueryFailed("the SPARQL engine gave no answer")
        self.kind = head[0]
        if self.kind == "ask":
            self.boolean = head[1:] == ["true"]
            self._items = iter(())
        elif self.kind == "select":
            solutions = ox.parse_query_results(proc.stdout, format=ox.QueryResultsFormat.TSV)
            self.variables = [v.value for v in solutions.variables]
            self._items = iter(solutions)
        else:
            self._items = (q.triple for q in ox.parse(proc.stdout, format=ox.RdfFormat.N_TRIPLES))

    def __enter__(self) -> Result:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self):
        limit = self._guard.limits.rows
        try:
            for item in self._items:
                if limit and self.rows >= limit:
                    self.truncated = True
                    break
                self.rows += 1
                self._guard.pause()  # the caller's time with a row is not the engine's
                try:
                    yield item
                finally:
                    self._guard.resume()
        except (SyntaxError, OSError, ValueError) as exc:  # the stream was cut: the engine stopped or failed
            self._finish()
            raise QueryFailed(f"the SPARQL engine's answer was cut: {exc}") from None
        self._finish()

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._guard.done.set()
        for stream in (self._proc.stdout, self._errors):
            stream.close()

    def _finish(self) -> None:
        """The engine's end: stopped at the row limit, by a limit, failed, crashed, or done."""
        if self.truncated:
            self.close()
            return
        try:
            code = self._proc.wait(timeout=max(self._guard.left(), 0.1))
        except subprocess.TimeoutExpired:
            self._guard.stop("the query ran past its time limit")
            code = self._proc.wait()
        self._guard.done.set()
        self._guard.join()
        if self._guard.reason:
            raise QueryStopped(self._guard.reason)
        if code:
            self._errors.seek(0)
            raise _error(code, self._errors.read().decode("utf-8", "replace"))


def _error(code: int, stderr: str) -> VaultgraphError:
    from .. import errors

    if code < 0:
        return QueryFailed(f"the SPARQL engine crashed on this query (signal {-code})")
    kinds = {name: getattr(errors, name) for name in errors.__all__}  # the child names its error's class
    for line in reversed(stderr.splitlines()):
        name, _, message = line.partition("\t")
        if name in kinds and message:
            return kinds[name](message)
    return QueryFailed(f"the SPARQL engine failed (exit {code})")


class _Guard(threading.Thread):
    """Stops the engine past the time or memory limit. Time is counted while the caller waits for the
    engine, not while it handles a row it was given (a slow terminal does not use the query's time)."""

    def __init__(self, proc: subprocess.Popen, limits: Limits):
        super().__init__(daemon=True)
        self.proc, self.limits = proc, limits
        self.reason: str | None = None
        self.done = threading.Event()
        self._spent, self._since, self._paused = 0.0, time.monotonic(), False

    def pause(self) -> None:
        self._spent, self._paused = self._spent + time.monotonic() - self._since, True

    def resume(self) -> None:
        self._since, self._paused = time.monotonic(), False

    def left(self) -> float:
        spent = self._spent + (0.0 if self._paused else time.monotonic() - self._since)
        return self.limits.seconds - spent if self.limits.seconds else float("inf")

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason
        if self.proc.poll() is None:
            self.proc.kill()

    def run(self) -> None:
        while not self.done.wait(0.05) and self.proc.poll() is None:
            if self.left() < 0:
                self.stop(f"the query ran past its time limit ({self.limits.seconds:g} s; raise it with --timeout)")
            elif self.limits.memory and _anonymous_memory(self.proc.pid) > self.limits.memory:
                self.stop(f"the query needed more than {self.limits.memory / 2**20:,.0f} MiB of memory "
                          "(raise it with --max-memory)")


def _anonymous_memory(pid: int) -> int:
    """Bytes of anonymous memory (the heap, not mapped files) a process holds; 0 where /proc is missing."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --- writing a result as it comes ------------------------------------------------------------------

def write_json(result: Result, out) -> None:
    """SELECT as SPARQL 1.1 Query Results JSON, one binding written per row; ASK as ``{"boolean": …}``;
    CONSTRUCT/DESCRIBE as N-Triples. ``out`` is a binary stream."""
    import json

    if result.kind == "ask":
        out.write(json.dumps({"boolean": result.boolean}, indent=2).encode() + b"\n")
        return
    if result.kind == "graph":
        return write_text(result, out)
    out.write(b"{\"head\":{\"vars\":" + json.dumps(result.variables, separators=(",", ":")).encode()
              + b"},\"results\":{\"bindings\":[")
    for i, solution in enumerate(result):
        row = {name: _json_term(solution[name]) for name in result.variables if solution[name] is not None}
        out.write((b"," if i else b"") + json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        out.flush()
    out.write(b"]}}\n")


def write_text(result: Result, out) -> None:
    """SELECT as lines of tab-separated values under a line of the variables' names (tabs, line breaks and
    control characters in a value escaped), then the row count; ASK as yes/no; a graph as N-Triples."""
    if result.kind == "ask":
        out.write(b"yes\n" if result.boolean else b"no\n")
        return
    if result.kind == "graph":
        for triple in result:
            out.write(f"{triple} .\n".encode("utf-8"))
            out.flush()
        return
    out.write(("\t".join(result.variables) + "\n").encode("utf-8"))
    for solution in result:
        cells = (_cell(solution[name]) for name in result.variables)
        out.write(("\t".join(cells) + "\n").encode("utf-8"))
        out.flush()
    out.write(f"{result.rows} row(s)\n".encode())


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {9: "\\t", 10: "\\n", 13: "\\r", 92: "\\\\", 127: "\\x7f"}


def _cell(term) -> str:
    if term is None:
        return ""
    return str(getattr(term, "value", term)).translate(_CONTROL)


def _json_term(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out
