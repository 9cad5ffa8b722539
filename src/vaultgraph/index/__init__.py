"""Stage 5 of the pipeline: the search index of a vault, from the claims extract/ found.

    passages.py    note_passages: claims, sections and frontmatter fields as searchable passages, with weights
    store.py       passages, their concepts and relations in index.sqlite
    concepts.py    the vault's concept index: the SKOS scheme plus the concepts its notes define (cached)
    terms.py       the vocabulary a vault defines itself (titles, aliases, headings, bold terms, pairs …)
    build.py       refresh_search: embed, then write a base or a delta generation of the search files
    lexical.py     BM25 (bm25s) over text/words.py tokens;  vectors.py: FAISS;  links.py: concept → passage arrays
    delta.py       the passages added since the base;  words.py: the vault's words and their vectors
    embedders.py, models.py, cache.py   embedding models by spec and the embedding cache
    calibration.py the everyday questions that calibrate the relevance decision;  folders.py: atomic search files
"""
