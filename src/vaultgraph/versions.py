"""The versions of what ``kg index`` writes, one home each: a run compares them with those the index was
written with (its meta table) to know what to redo. Standard library only, so that a ``kg index`` with nothing
to do can compare them without importing the pipeline (``service/unchanged.py``)."""

from __future__ import annotations

PARSER_VERSION = "6"  # 4: the limits of one note (vaultgraph.limits); 5: links split in tables warned; 6: blocks
# carry their tags and fields as markup spans (Block.markup, Block.field_lines). A change re-parses every note.

EXTRACT_VERSION = "10"  # 6: the learned vocabulary; claims within the limits of one note; 7: both; 8: a risk
# about nothing is no risk, also in a risks section (it kept one of its two marks); 9: a footnote reference's
# label holds no blank or bracket (markdown/links.footnote_marks); 10: a claim's tags and fields are the parser's
# (Block.markup), not extract/units.py's own patterns. Part of the graph signature: a change re-extracts every note.

REASON_VERSION = "3"  # of what the reasoning's tables hold (reason/edges.py's costs): part of the graph signature,
# so a change re-derives them. 2: each claim's place in a comparison's cells (table claim_order); 3: claim_order
# holds integer statement ids and the columns a cell is chosen by (a comparison reads it alone)

SEARCH_VERSION = "5"  # 5: the vault's words and their vectors (translations), the calibration bank

__all__ = ["EXTRACT_VERSION", "PARSER_VERSION", "REASON_VERSION", "SEARCH_VERSION"]
