"""Where parsed notes and resolved links are kept between runs (``VAULT/.kg/index.sqlite``)."""

from .sqlite import exists, reader, writer

__all__ = ["exists", "reader", "writer"]
