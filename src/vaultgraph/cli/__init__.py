"""Command-line interface (``kg``)."""
