"""Stage 4 of the pipeline: facts → RDF (one named graph per note), stored in Oxigraph, exported."""
