"""Where parsed notes and resolved links are kept between runs (``VAULT/.kg/index.sqlite``)."""

from .sqlite import db_path, exists, kg_dir, reader, writer

__all__ = ["db_path", "exists", "kg_dir", "reader", "writer"]
