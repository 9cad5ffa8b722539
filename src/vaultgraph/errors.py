"""Exceptions raised by vaultgraph: the whole tree, defined here and nowhere else. Every one carries a
message fit for a user (one line, naming the file, note or setting at fault).

    VaultgraphError
    ├── VaultNotFound        no vault where one was asked for
    ├── NoteNotFound         a note name that matches no note in the vault
    ├── UnknownConcept       a name that is no concept of the scheme or the vault (close labels suggested)
    ├── IndexMissing         a command needs an index that was never built
    │   └── IndexDamaged     … or one whose files are damaged (``kg index`` rebuilds it; ``.why`` says how)
    ├── IndexBusy            another process holds the index's writer lock
    ├── IndexChanged         the index changed under a reader: run the command again
    ├── ModelUnavailable     the embedding model a spec names cannot be loaded here
    ├── ReadOnlyQuery        an update sent where only queries are allowed
    ├── QueryRefused         a SPARQL query refused before it runs (SERVICE, nested too deep, too long)
    ├── QueryStopped         a SPARQL query stopped at a limit (time, rows, memory)
    ├── QueryFailed          the engine could not run a query (syntax, evaluation, a crash)
    ├── BadRequest           an HTTP request to ``kg serve`` that is itself wrong (a parameter, a path): 400
    ├── SaveRefused          ``kg ask --save`` refused: the path leaves the vault, or a note is there already
    └── RemoteError          the SPARQL server answered with an HTTP error
        └── RemoteUnavailable   … or could not be reached
"""


class VaultgraphError(Exception):
    """Base class: anything the CLI reports as a one-line reason and a non-zero exit."""


class VaultNotFound(VaultgraphError):
    pass


class NoteNotFound(VaultgraphError):
    pass


class UnknownConcept(VaultgraphError):
    """A name that is no concept of the scheme or the vault (the message suggests close labels)."""


class IndexMissing(VaultgraphError):
    pass


class IndexDamaged(IndexMissing):
    why: str = ""


class IndexBusy(VaultgraphError):
    pass


class IndexChanged(VaultgraphError):
    """A file of the index changed while it was being read (a writer finished in between)."""


class ModelUnavailable(VaultgraphError):
    """The model a spec names cannot be loaded here: unknown, or its package is missing."""


class ReadOnlyQuery(VaultgraphError):
    """An update was sent where only queries are allowed."""


class QueryRefused(VaultgraphError):
    """The query is refused before it runs (SERVICE, too deeply nested)."""


class QueryStopped(VaultgraphError):
    """The query ran past a limit and was stopped."""


class QueryFailed(VaultgraphError):
    """The engine could not run the query (syntax error, an error while evaluating, a crash)."""


class BadRequest(VaultgraphError):
    """The request itself is wrong (a missing or too long parameter, a path outside the vault): HTTP 400."""


class SaveRefused(VaultgraphError):
    """An answer not saved: the path leaves the vault, or a note is already there (without ``force``)."""


class RemoteError(VaultgraphError):
    """The SPARQL server answered with an HTTP error."""


class RemoteUnavailable(RemoteError):
    """The SPARQL server could not be reached (connection refused, unknown host, timeout)."""


__all__ = ["BadRequest", "IndexBusy", "IndexChanged", "IndexDamaged", "IndexMissing", "ModelUnavailable", "NoteNotFound",
           "QueryFailed", "QueryRefused", "QueryStopped", "ReadOnlyQuery", "RemoteError", "RemoteUnavailable",
           "SaveRefused", "UnknownConcept", "VaultNotFound", "VaultgraphError"]
