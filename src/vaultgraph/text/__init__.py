"""Text primitives shared by every stage: words, stems and tokenizers (``text.words``)."""
