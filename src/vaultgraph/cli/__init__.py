"""Command-line interface (``kg``): typer commands that read settings, call ``service/`` and print through
``render/`` (no stage below service/ is imported here: ``tests/test_primitives.py``).

    app.py         the typer app, shared options, finding the vault, errors → one line and an exit code
    ask_cmd.py     kg ask, kg search;  reason_cmd.py: kg why, kg compare;  graph_cmd.py: kg export, sparql, check
    index_cmd.py   kg index, kg status;  show_cmd.py: kg show, kg links;  terms_cmd.py: kg terms;  watch_cmd.py
"""
