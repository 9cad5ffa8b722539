"""`kg ask` end to end with the real default embedding model, on the demo vault and the user's notes."""

import importlib.util
import json
import shutil
import sys

import pytest
from conftest import DEMO_VAULT, REPO, run_kg

from vaultgraph.index.embedders import DEFAULT_MODEL
from vaultgraph.service import index_vault
from vaultgraph.service.asking import Searcher

GOLD = REPO / "benchmarks" / "gold"


def _gold_module(name):
    spec = importlib.util.spec_from_file_location(f"gold_{name}", GOLD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _hit_at_5(root, gold_file):
    check, score = _gold_module("check"), _gold_module("score")
    searcher = Searcher(root)
    try:
        ranks = [score.first_hit([[(c.path, c.line) for c in a.citations]
                                  for a in searcher.ask(q["question"], 10).answers], q["expect"])
                 for q in check.load_gold(gold_file)]
    finally:
        searcher.close()
    return score.scores(ranks)


@pytest.fixture(scope="module")
def real_vault(tmp_path_factory):
    """One copy of the demo vault indexed with the real model, shared by this module's tests."""
    root = tmp_path_factory.mktemp("real") / "vault"
    shutil.copytree(DEMO_VAULT, root, ignore=shutil.ignore_patterns(".kg"))
    report = index_vault(root, model=DEFAULT_MODEL)
    assert report.search.model == DEFAULT_MODEL and report.search.embedded > 500
    return root


def test_demo_gold_set_with_the_real_model(real_vault):
    scores = _hit_at_5(real_vault, GOLD / "demo.yaml")
    # measured 0.90 (benchmarks/ask_bench.py); plain dense 0.46 and plain BM25 0.62 on the same index
    assert scores.hit5 >= 0.88, scores
    assert scores.mrr >= 0.65, scores


def test_seed_004_answers_risks_of_lora_on_cot_in_the_top_3(seed_vault):
    run_kg("index", str(seed_vault), env={"KG_MODEL": DEFAULT_MODEL})
    data = json.loads(run_kg("ask", "risks of LoRA on CoT", "--vault", str(seed_vault), "--json", "--top", "3",
                             env={"KG_MODEL": DEFAULT_MODEL}).stdout)
    assert data["intent"] == "risk" and {"LoRA", "CoT"} <= {e["id"] for e in data["entities"]}
    seed = (seed_vault / "004_bfd7eff721c6b0e3.md").read_text(encoding="utf-8").split("\n")
    top3 = [(c, a) for a in data["answers"][:3] for c in a["citations"]
            if c["path"] in ("004_bfd7eff721c6b0e3.md", "174_изучи_все.md")]
    assert top3, data["answers"]
    # the cited lines speak of chain-of-thought degrading
    cited = " ".join(" ".join(seed[c["line"] - 1:c["end_line"]]) for c, _ in top3).lower()
    assert "cot" in cited or "рассужд" in cited
    assert any(w in cited for w in ("ухудш", "сниж", "деград", "паден", "теря", "лома"))


def test_an_english_question_finds_a_russian_answer(real_vault):
    result = Searcher(real_vault).ask("how to fight catastrophic forgetting", 5)
    assert any("Катастрофическое забывание" in c.path for a in result.answers for c in a.citations)


@pytest.mark.parametrize("question", ["best pizza in Naples", "погода в Москве на завтра"])
def test_off_topic_questions_get_no_answers(real_vault, question):
    assert Searcher(real_vault).ask(question, 5).answers == ()


def test_split_gold_sets_test_half_with_the_real_model(real_vault, tmp_path):
    """The questions beyond the concept scheme (benchmarks/gold/open.yaml, household.yaml, seeds_open.yaml):
    their test halves, never tuned on, as benchmarks/ask_bench.py reports them."""
    check, score = _gold_module("check"), _gold_module("score")
    household = tmp_path / "household"
    shutil.copytree(GOLD / "vaults" / "household", household)
    index_vault(household, model=DEFAULT_MODEL)
    sets = [(real_vault, "open.yaml"), (household, "household.yaml")]
    seeds = REPO.parent / "shared" / "seeds"
    if seeds.is_dir():
        root = tmp_path / "seeds"
        (root / ".obsidian").mkdir(parents=True)
        for f in sorted(seeds.glob("0*.txt")):
            shutil.copy(f, root / (f.stem + ".md"))
        shutil.copy(seeds / "004_bfd7eff721c6b0e3.txt", root / "174_изучи_все.md")
        index_vault(root, model=DEFAULT_MODEL)
        sets.append((root, "seeds_open.yaml"))
    ranks, silent = [], []
    for root, name in sets:
        searcher = Searcher(root)
        try:
            for q in check.load_gold(GOLD / name):
                if q["split"] != "test":
                    continue
                answers = searcher.ask(q["question"], 10).answers
                if q.get("negative"):
                    silent.append(not answers)
                else:
                    ranks.append(score.first_hit([[(c.path, c.line) for c in a.citations] for a in answers],
                                                 q["expect"]))
        finally:
            searcher.close()
    scores = score.scores(ranks)
    # measured: hit@5 0.95, MRR 0.85 with the seeds (README, "Beyond the concept scheme")
    assert scores.hit5 >= 0.90 and scores.mrr >= 0.78, scores
    assert sum(silent) / len(silent) >= 0.95, silent
