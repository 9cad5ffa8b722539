"""How records are written for people: one place the CLI, ``kg ask --save`` and the servers share.

    answers.py      role titles and order, an answer as Markdown (``kg ask --markdown``)
    comparison.py   a comparison cell's line, the comparison as a Markdown table, trimmed to N items a cell
    terminal.py     text for a terminal: control characters escaped, Rich printers of answers, comparisons, paths

Renderers read the records of ``query/`` and ``reason/`` and write citations with ``citations.py``; they
never import ``service/`` (which calls them) or the CLI.
"""
