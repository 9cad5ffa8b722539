"""Exceptions raised by vaultgraph. Every one carries a message fit for a user.

    VaultgraphError
    ├── VaultNotFound        no vault where one was asked for
    ├── NoteNotFound         a note name that matches no note in the vault
    ├── IndexMissing         a command needs an index that was never built
    │   └── IndexDamaged     … or one whose files are damaged (``kg index`` rebuilds it)
    └── IndexBusy            another process holds the index's writer lock
"""


class VaultgraphError(Exception):
    """Base class: anything the CLI reports as a one-line reason and a non-zero exit."""


class VaultNotFound(VaultgraphError):
    pass


class NoteNotFound(VaultgraphError):
    pass


class IndexMissing(VaultgraphError):
    pass


class IndexDamaged(IndexMissing):
    pass


class IndexBusy(VaultgraphError):
    pass
