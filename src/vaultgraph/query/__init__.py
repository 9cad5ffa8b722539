"""Stage 6 of the pipeline: a question → answers with citations, over the index.

    intent.py      what kind of answer the question asks for (cue phrases, both languages)
    entities.py    the concepts a question names
    coverage.py    the question's weighted words, learned terms and translations; a passage's coverage
    retrieve.py    graph candidates, fusion with BM25 and dense hits, ranking
    relevance.py   whether anything in the vault answers (a calibrated logistic decision)
    answer.py      answers grouped by role, near-duplicates collapsed, each with its citations
"""
