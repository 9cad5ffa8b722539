"""BM25 as kg ask uses it: stemmed Russian and English, scored exactly as bm25s scores."""

import bm25s
import pytest

from vaultgraph.index import lexical
from vaultgraph.index.lexical import tokenize

DOCS = [
    "LoRA-дообучение ухудшает цепочки рассуждений на узких данных",
    "Full fine-tuning forgets more than LoRA fine-tuned adapters",
    "QLoRA stores the frozen base model in 4-bit NF4 and pages optimizer states",
    "Катастрофическое забывание лечат replay: подмешивают общие данные при дообучении",
    "Chain-of-thought prompting helps large models reason step by step",
    "",
]


def test_russian_and_english_inflections_meet():
    assert set(tokenize("LoRA-дообучения")) == set(tokenize("LoRA дообучение"))
    assert tokenize("fine-tuning")[-1] == tokenize("fine-tuned")[-1]
    assert tokenize("цепочкой рассуждений") == tokenize("цепочки рассуждения")
    assert "the" not in tokenize("the risks of LoRA") and "и" not in tokenize("LoRA и QLoRA")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bm25") / "bm25-1"
    lexical.build(DOCS, [10 + i for i in range(len(DOCS))], folder)
    return folder


@pytest.mark.parametrize("query", ["дообучение LoRA", "fine-tuning forgetting", "4-bit QLoRA memory",
                                   "цепочка рассуждений", "reasoning step"])
def test_scores_equal_bm25s(index, query):
    ours = lexical.load(index).search(query, 5)
    reference = bm25s.BM25.load(str(index), show_progress=False)
    tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
    docs, scores = reference.retrieve([tokens], k=5, show_progress=False)
    theirs = [(10 + int(d), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
    assert {r: round(s, 5) for r, s in ours} == {r: round(s, 5) for r, s in theirs}  # ties may come in any order
    assert [s for _, s in ours] == sorted((s for _, s in ours), reverse=True)


def test_inflected_query_finds_the_russian_passage(index):
    hits = lexical.load(index).search("дообучением LoRA цепочек", 3)
    assert hits and hits[0][0] == 10


def test_unknown_words_find_nothing(index):
    assert lexical.load(index).search("sourdough bread", 5) == []


def test_an_empty_vault_has_an_empty_index(tmp_path):
    lexical.build([], [], tmp_path / "bm25-1")
    assert lexical.load(tmp_path / "bm25-1").search("LoRA", 5) == []
