"""Stage 2 of the pipeline: Obsidian Markdown → ``ParsedNote`` records with source line numbers."""

from .parser import parse_bytes, parse_text

__all__ = ["parse_bytes", "parse_text"]
