"""Stage 4 of the pipeline: facts → RDF (one named graph per note), stored in Oxigraph, exported.

    build.py       note_quads: one note's named graph; IRIs of notes, claims, sources
    namespace.py   the vg: vocabulary (DefinedNamespace) of schema/vaultgraph.ttl
    store.py       the local Oxigraph store (read-only for readers), the schema graph
    remote.py      the same on a SPARQL 1.1 server (--endpoint)
    journal.py     the graph's journal in index.sqlite: changes applied once the index commits
    export.py      Turtle, N-Triples, JSON-LD, GraphML, byte-for-byte deterministic, one named graph at a time
    shapes.py      SHACL validation against schema/shapes.ttl, one note's graph at a time
    sparql.py      users' SPARQL: checked, then run in a child process (sparql_worker.py) under limits
"""
