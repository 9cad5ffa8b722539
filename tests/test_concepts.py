"""The concept index: SKOS loading, inflection-robust matching, false-positive guards, speed."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from vaultgraph.extract.concepts import Concept, ConceptIndex, Mention
from vaultgraph.resources import schema_dir

VAULT = Path(__file__).resolve().parent.parent / "vault"
MOJIBAKE = "imported/Конспект курса LLM.md"


@pytest.fixture(scope="module")
def index() -> ConceptIndex:
    return ConceptIndex.load()


def found(index: ConceptIndex, text: str) -> list[tuple[str, str]]:
    return [(m.concept, m.text) for m in index.find(text)]


def concepts(index: ConceptIndex, text: str) -> list[str]:
    return [m.concept for m in index.find(text)]


# --- loading ---------------------------------------------------------------------------------------

def test_the_index_as_data_reads_back_the_same(index):
    """What readers load from .kg/concepts.json (``to_data`` as JSON): the same concepts, mentions and lookups as
    the index it was saved from, with a concept the vault defines and its broader link."""
    import json

    from vaultgraph.index.concepts import _concept

    built = ConceptIndex(list(index))
    built.add(_concept("Adapter soup", ("AdSoup", "суп адаптеров"), ("LoRA",)))
    back = ConceptIndex.from_data(json.loads(json.dumps(built.to_data(), ensure_ascii=False)))
    assert list(back) == list(built) and back.conflicts == built.conflicts
    assert back.ancestors("Adapter-soup") == built.ancestors("Adapter-soup") == ["LoRA", "PEFT", "FineTuning"]
    for text in ("risks of an adapter soup on CoT", "сравни суп адаптеров и DPO", "QLoRA vs full fine-tuning, in RLHF",
                 "pruning the hedge", "Катастрофическое забывание при дообучении LoRA-адаптеров"):
        assert back.find(text) == built.find(text), text
    assert all(back.lookup(label) == built.lookup(label) for c in built for label in c.labels)
    with pytest.raises(ValueError):
        ConceptIndex.from_data({**built.to_data(), "root": {"lora": {"\x00": "NoSuchConcept"}}})


def test_load_reads_the_scheme(index):
    assert (schema_dir() / "concepts.ttl").is_file()
    assert len(index) >= 200
    lora = index.get("LoRA")
    assert lora.iri == "https://vaultgraph.dev/concept/LoRA"
    assert lora.scheme == "method" and lora.label_en == "LoRA" and lora.label_ru == "LoRA"
    assert "LoRA-дообучение" in lora.labels and "Low-Rank Adaptation" in lora.labels
    assert lora.broader == ("PEFT",) and lora.definition and lora.definition.startswith("A PEFT method")
    assert index.get("Reasoning").scheme == "capability"
    assert index.get("CatastrophicForgetting").scheme == "phenomenon"
    assert index.get("CatastrophicForgetting").label_ru == "катастрофическое забывание"
    assert {c.id for c in index} >= {"LoRA", "QLoRA", "CoT", "RLHF", "DPO", "RAG", "MoE"}
    assert index.conflicts == []  # no label key is claimed by two concepts, even after stemming
    with pytest.raises(KeyError):
        index.get("NoSuchConcept")


def test_load_is_fast():
    start = time.perf_counter()
    ConceptIndex.load()
    elapsed = time.perf_counter() - start
    print(f"\nConceptIndex.load(): {elapsed * 1000:.1f} ms")
    assert elapsed < 0.5


def test_import_does_not_load_anything():
    code = ("import vaultgraph.extract.concepts; from vaultgraph.text import words as w; "
            "assert w.stemmers.cache_info().currsize == 0, 'stemmer built at import'; "
            "assert not w.KEYS, 'labels tokenised at import'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ancestors_nearest_first(index):
    assert index.ancestors("QLoRA")[:3] == ["LoRA", "PEFT", "FineTuning"]
    assert index.ancestors("FineTuning") == []
    rlhf = index.ancestors("RLHF")
    assert rlhf[:2] == ["PreferenceAlignment", "ReinforcementLearning"] and "Alignment" in rlhf
    assert len(rlhf) == len(set(rlhf))


# --- Russian inflection ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, concept", [
    ("цепочка рассуждений", "CoT"),
    ("без цепочки рассуждений", "CoT"),
    ("вместе с цепочкой рассуждений", "CoT"),
    ("несколько цепочек рассуждений", "CoT"),
    ("катастрофическое забывание", "CatastrophicForgetting"),
    ("риск катастрофического забывания", "CatastrophicForgetting"),
    ("склонна к переобучению", "Overfitting"),
    ("переобучение", "Overfitting"),
    ("низкоранговых адаптеров", "LoRA"),
    ("моделью вознаграждения", "RewardModeling"),
    ("квантизованную LoRA", "QLoRA"),
    ("с учётом квантизации обучение", "Quantization"),
    ("обучением с учетом квантизации", "QAT"),
    ("смесью экспертов", "MoE"),
])
def test_russian_inflection(index, text, concept):
    assert concepts(index, text) == [concept]


def test_whole_phrase_wins_over_its_parts(index):
    assert found(index, "Катастрофического забывания не было") == [
        ("CatastrophicForgetting", "Катастрофического забывания")]


# --- English forms ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Chain-of-thought helps", [("CoT", "Chain-of-thought")]),
    ("a chain of thought", [("CoT", "chain of thought")]),
    ("chain‑of‑thought with non-breaking hyphens", [("CoT", "chain‑of‑thought")]),
    ("bottleneck adapters", [("Adapters", "bottleneck adapters")]),
    ("we train adapters", [("Adapters", "adapters")]),
    ("LoRA's rank", [("LoRA", "LoRA")]),
    ("two LoRAs merged", [("LoRA", "LoRAs")]),
    ("RAGs and DPO's loss", [("RAG", "RAGs"), ("DPO", "DPO")]),
    ("KV caches grow", [("KVCache", "KV caches")]),
    ("Direct Preference Optimization", [("DPO", "Direct Preference Optimization")]),
    ("low rank adaptation", [("LoRA", "low rank adaptation")]),
    ("retrieval augmented generation", [("RAG", "retrieval augmented generation")]),
    ("RLHF-style training", [("RLHF", "RLHF")]),
])
def test_english_forms(index, text, expected):
    assert found(index, text) == expected


# --- word boundaries and false positives -----------------------------------------------------------

def test_no_match_inside_words(index):
    assert concepts(index, "QLoRA") == ["QLoRA"]
    assert concepts(index, "DoRA and AdaLoRA") == ["DoRA", "AdaLoRA"]
    assert concepts(index, "a fragment in storage, leverage, paragraph") == []
    assert concepts(index, "COTS hardware, MoEs") == ["MoE"]
    assert concepts(index, "lora_alpha = 16, use_rag=True") == []
    assert concepts(index, "DPOs") == ["DPO"]


@pytest.mark.parametrize("text", [
    "an old rag", "a baby cot", "moe", "rope and yarn", "I dare you", "family ties", "a star",
    "rm -rf build", "sft dpo ppo", "from zero to hero", "react quickly", "Rag and Cot",
])
def test_short_abbreviations_are_case_sensitive(index, text):
    assert concepts(index, text) == []


@pytest.mark.parametrize("text, concept", [
    ("RAG", "RAG"), ("MoE", "MoE"), ("MOE", "MoE"), ("CoT", "CoT"), ("COT", "CoT"), ("SFT", "SFT"),
    ("DPO", "DPO"), ("PPO", "PPO"), ("KTO", "KTO"), ("RoPE", "RoPE"), ("ZeRO", "ZeRO"), ("ReAct", "ReAct"),
])
def test_short_abbreviations_as_written(index, text, concept):
    assert concepts(index, f"Use {text} here.") == [concept]


def test_matches_do_not_cross_lines_or_sentences(index):
    assert concepts(index, "chain of\nthought") == []
    assert concepts(index, "We used LoRA. Adapters were frozen.") == ["LoRA", "Adapters"]


# --- mixed compounds -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("для LoRA-дообучения", [("LoRA", "LoRA-дообучения")]),  # whole compound is an altLabel
    ("веса LoRA-адаптеров", [("LoRA", "LoRA-адаптеров")]),
    ("в QLoRA-экспериментах", [("QLoRA", "QLoRA")]),
    ("CoT-рассуждения длиннее", [("CoT", "CoT-рассуждения")]),
    ("в CoT-рассуждениях", [("CoT", "CoT-рассуждениях")]),
    ("MoE-слой", [("MoE", "MoE")]),
    ("RLHF-дообучением", [("RLHF", "RLHF-дообучением")]),
    ("DPO‑дообучение", [("DPO", "DPO‑дообучение")]),
])
def test_mixed_compounds(index, text, expected):
    assert found(index, text) == expected


# --- offsets ---------------------------------------------------------------------------------------

def test_offsets_survive_emoji_and_mixed_scripts(index):
    text = "🧑‍🔬 Итог: 🚀LoRA-адаптеры 👍🏽 и chain-of-thought (цепочки рассуждений) — без RAG 🤖!"
    mentions = index.find(text)
    assert [m.concept for m in mentions] == ["LoRA", "CoT", "CoT", "RAG"]
    for m in mentions:
        assert isinstance(m, Mention) and text[m.start:m.end] == m.text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_leftmost_longest_non_overlapping(index):
    mentions = index.find("quantized low-rank adaptation beats low-rank adaptation")
    assert [(m.concept, m.text) for m in mentions] == [
        ("QLoRA", "quantized low-rank adaptation"), ("LoRA", "low-rank adaptation")]
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:]))


# --- lookup and vault concepts ---------------------------------------------------------------------

def test_lookup(index):
    assert index.lookup("chain-of-thought") == index.lookup("цепочка рассуждений") == index.lookup("CoT") == "CoT"
    assert index.lookup("Chain of Thought") == index.lookup("цепочки рассуждений") == "CoT"
    assert index.lookup("rag") == "RAG"  # a whole string is unambiguous, case is ignored
    assert index.lookup("[[qlora]]") == "QLoRA"
    assert index.lookup("CatastrophicForgetting") == "CatastrophicForgetting"  # ids work too
    assert index.lookup("chain") is None and index.lookup("what is LoRA") is None and index.lookup("") is None


def test_add_new_vault_concept():
    index = ConceptIndex.load()
    n = len(index)
    index.add(Concept(id="Grokking", iri="https://vaultgraph.dev/concept/Grokking", scheme="vault",
                      label_en="Grokking", label_ru=None, labels=("Grokking", "гроккинг", "delayed generalisation"),
                      broader=("Generalization",)))
    assert len(index) == n + 1 and index.get("Grokking").scheme == "vault"
    assert found(index, "Эффект гроккинга и delayed generalisation") == [
        ("Grokking", "гроккинга"), ("Grokking", "delayed generalisation")]
    assert index.lookup("гроккинг") == "Grokking"
    assert index.ancestors("Grokking") == ["Generalization"]


def test_add_enriches_existing_concept():
    index = ConceptIndex.load()
    n = len(index)
    index.add(Concept(id="Mixture-of-Experts", iri="https://vaultgraph.dev/concept/Mixture-of-Experts",
                      scheme="vault", label_en="Mixture of Experts", label_ru=None,
                      labels=("Mixture of Experts", "MoE", "роутинг экспертов", "test-time compute scaling"),
                      broader=("[[Architecture]]",), definition="vault note"))
    assert len(index) == n  # "Mixture of Experts" is already MoE's label
    moe = index.get("MoE")
    assert "роутинг экспертов" in moe.labels
    assert "test-time compute scaling" not in moe.labels  # belongs to another concept: not stolen
    assert index.lookup("test-time compute scaling") == "TestTimeScaling"
    assert found(index, "Роутинга экспертов нет") == [("MoE", "Роутинга экспертов")]
    assert moe.definition != "vault note" and moe.broader == ("Architecture",)


# --- the demo vault --------------------------------------------------------------------------------

def test_vault_sweep(index):
    counts: Counter[str] = Counter()
    for path in sorted(VAULT.rglob("*.md")):
        rel = path.relative_to(VAULT).as_posix()
        if rel == MOJIBAKE or rel.startswith(".kg/"):
            continue
        text = path.read_text(encoding="utf-8")
        for m in index.find(text):
            assert text[m.start:m.end] == m.text
            counts[m.concept] += 1
    for concept in ("LoRA", "QLoRA", "CoT", "RLHF", "DPO", "RAG", "MoE"):
        assert counts[concept] > 0, concept
    print("\n15 most frequent concepts in the vault:")
    for concept, count in counts.most_common(15):
        print(f"  {count:5d}  {concept}")


def test_throughput(index):
    base = [
        "LoRA-адаптеры снижают риск катастрофического забывания по сравнению с полным дообучением.",
        "Chain-of-thought prompting improves multi-step reasoning in large models.",
        "DPO optimises the policy directly on preference pairs without a reward model.",
        "В QLoRA-экспериментах модель квантизована в 4 бита (NF4).",
        "RAG reduces hallucinations but adds retrieval latency 🚀.",
        "Переобучение на малых данных ухудшает обобщение.",
    ]
    sentences = [f"{s} ({i})" for i in range(500) for s in base]
    index.find(sentences[0])
    start = time.perf_counter()
    for s in sentences:
        index.find(s)
    rate = len(sentences) / (time.perf_counter() - start)
    print(f"\nfind(): {rate:,.0f} sentences/s")
    assert rate > 2_000
