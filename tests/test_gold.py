"""The gold question sets (benchmarks/gold) are valid against the vaults they describe."""

from __future__ import annotations

import importlib.util

from conftest import DEMO_VAULT, REPO

GOLD = REPO / "benchmarks" / "gold"


def _load_check():
    spec = importlib.util.spec_from_file_location("gold_check", GOLD / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_check()


def test_demo_gold_paths_and_ranges_are_valid():
    items = check.load_gold(GOLD / "demo.yaml")
    assert check.validate(items, DEMO_VAULT) == []


def test_demo_gold_size_languages_and_intents():
    items = check.load_gold(GOLD / "demo.yaml")
    assert len(items) >= 48
    by_intent, by_lang = check.counts(items)
    assert by_lang["ru"] * 3 >= len(items), by_lang
    assert set(by_lang) <= {"en", "ru"}
    for intent in check.INTENTS:
        assert by_intent[intent] >= 4, (intent, by_intent[intent])
    assert check.requirement_problems(items, 48, 1 / 3, 4) == []


def test_demo_gold_has_the_users_question():
    items = {i["id"]: i for i in check.load_gold(GOLD / "demo.yaml")}
    q = items["risk-lora-cot"]
    assert q["question"] == "risks of LoRA on CoT"
    assert "analyses/Риски LoRA для CoT.md" in {p["path"] for p in q["expect"]}


def test_seeds_gold_is_valid(seed_vault):
    items = check.load_gold(GOLD / "seeds.yaml")
    assert 15 <= len(items) <= 20
    assert check.validate(items, seed_vault) == []
    by_intent, by_lang = check.counts(items)
    assert by_lang["en"] and by_lang["ru"]
    (q,) = [i for i in items if i["question"] == "risks of LoRA on CoT"]
    assert {p["path"] for p in q["expect"]} == {"004_bfd7eff721c6b0e3.md"}


def test_checker_reports_bad_places(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\nfirst line\nsecond line\n\n> \n> quoted\n", encoding="utf-8")

    def problems(path, lines, **extra):
        item = {"id": "q", "question": "q?", "lang": "en", "intent": "risk",
                "expect": [{"path": path, "lines": lines}], **extra}
        return check.validate([item], tmp_path)

    assert problems("a.md", [3, 4]) == []
    assert problems("a.md", [7, 7]) == []
    assert any("does not exist" in p for p in problems("b.md", [1, 1]))
    assert any("does not exist" in p for p in problems("A.md", [1, 1]))  # spelled exactly as on disk
    assert any("has 7 lines" in p for p in problems("a.md", [7, 8]))
    assert any("is blank" in p for p in problems("a.md", [2, 3]))
    assert any("is blank" in p for p in problems("a.md", [6, 7]))  # an empty callout line is blank
    assert any("span blank" in p for p in problems("a.md", [4, 7]))
    assert any("start <= end" in p for p in problems("a.md", [4, 3]))
    assert any("lang is ru" in p for p in problems("a.md", [3, 3], lang="ru"))
    assert any("intent" in p for p in problems("a.md", [3, 3], intent="why"))


HOUSEHOLD = GOLD / "vaults" / "household"


def test_split_sets_are_valid_and_large_enough(seed_vault):
    sets = {"open.yaml": DEMO_VAULT, "household.yaml": HOUSEHOLD, "seeds_open.yaml": seed_vault}
    total, splits, negatives = 0, {"dev": 0, "test": 0}, 0
    for name, vault in sets.items():
        items = check.load_gold(GOLD / name)
        assert check.validate(items, vault) == [], name
        total += len(items)
        for q in items:
            splits[q["split"]] += 1
        if name == "household.yaml":
            negatives = sum(1 for q in items if q.get("negative"))
    assert total >= 60 and negatives >= 15
    assert abs(splits["dev"] - splits["test"]) <= 0.1 * total  # two halves
    crossing = [q for name in sets for q in check.load_gold(GOLD / name)
                if not q.get("negative") and q.get("answer_lang", q["lang"]) != q["lang"]]
    assert {(q["lang"], q["answer_lang"]) for q in crossing} == {("en", "ru"), ("ru", "en")}


def test_checker_knows_negative_questions(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    good = {"id": "n", "question": "q?", "lang": "en", "intent": "open", "split": "test", "negative": True}
    assert check.validate([good], tmp_path) == []
    bad = dict(good, expect=[{"path": "a.md", "lines": [3, 3]}])
    assert check.validate([bad], tmp_path)
    assert check.validate([dict(good, split="train")], tmp_path)
