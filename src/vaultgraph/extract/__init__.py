"""Stage 3 of the pipeline: a ``ParsedNote`` → ``NoteFacts`` (claims with spans, kinds, concepts, sources, relations).

    facts.py       extract(): claims, their kinds and concepts, sources, mitigations and causes of one note
    units.py       the units a person cites: list items, rows, sentences, short paragraphs, with exact lines
    concepts.py    ConceptIndex: SKOS labels → inflection-robust concept mentions (tokens from text/words.py)
    roles.py       section roles from headings (keywords from the ontology) and callout types
    sources.py     citations in text: URLs, arXiv ids, DOIs, author-year, footnotes, wiki-links, chat marks
    wording.py     negative / positive wording, questions, table column meanings
    nearby.py      which claims a solution or consequence is near
    records.py     the records: Claim, Source, NoteFacts
"""
