"""Where parsed notes and resolved links are kept between runs (``VAULT/.kg/index.sqlite``).

    sqlite.py      the schema, the one writer (lock, one transaction per run), readers, damage checks
"""

from .sqlite import exists, reader, writer

__all__ = ["exists", "reader", "writer"]
