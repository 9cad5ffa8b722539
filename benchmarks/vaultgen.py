#!/usr/bin/env python3
"""Generate a realistic synthetic Obsidian vault about LLM methods (English and Russian notes).

    python benchmarks/vaultgen.py OUT_DIR --notes 10000 --seed 1

or, from Python, ``generate(out_dir, notes, seed) -> dict`` (the statistics printed by the CLI).

The output is a pure function of ``(notes, seed)``: every note draws from its own
``random.Random`` seeded from the vault seed and its index, so two runs give byte-identical trees.
All text is assembled here from word lists and sentence templates (nothing is copied from real notes).

What a vault holds, in proportions chosen to look like a real research vault:

* ~30 % Russian notes (Cyrillic text, mostly Cyrillic file names), the rest English;
* note sizes drawn from a lognormal (most notes 20-150 lines) plus a few 1,000-5,000 line notes;
* folders nested 1-3 levels deep, some file names repeated in different folders, ``.obsidian/``;
* YAML frontmatter: ``tags`` as block lists, flow lists and strings, ``aliases``, dates, ``[[links]]``
  in properties and, in a fraction of notes, long ``|-`` block scalars;
* headings of levels 1-4, wiki-links of every form (``[[a]]``, ``[[a|alias]]``, ``[[a#heading]]``,
  ``[[a#^block]]``, ``[[#local]]``, ``![[embed]]``, ``![[img.png|300]]``, ``[[folder/a]]``) aimed at
  existing notes, headings and block ids, ~15 % at notes that do not exist;
* ``^block`` ids, markdown links to local ``.md`` files, inline tags (nested, Cyrillic), footnotes
  whose definitions hold wiki-links, tables (some with ``[[a\\|alias]]``), callouts (folded, nested),
  chat exports (``>[!nexus_user]`` / ``>[!nexus_agent]`` with ``> ###`` headings, tables and
  ``<!-- UID: ... -->``), Dataview inline fields, fenced and indented code holding fake links, math;
* ~1 % of notes saved as mojibake (UTF-8 read as Mac Roman and saved again), a few with only some
  lines damaged, a few with CRLF line endings or a BOM, a few empty notes, and small PNG attachments.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import struct
import sys
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

# --------------------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------------------

METHODS = [
    "LoRA", "QLoRA", "DoRA", "AdaLoRA", "prefix tuning", "prompt tuning", "adapters", "IA3", "RLHF",
    "RLAIF", "DPO", "IPO", "KTO", "ORPO", "SimPO", "PPO", "GRPO", "reward modeling", "constitutional AI",
    "chain-of-thought prompting", "self-consistency", "tree of thoughts", "ReAct", "RAG", "HyDE",
    "reranking", "MoE", "sparse routing", "quantization", "GPTQ", "AWQ", "NF4", "int8 inference",
    "SmoothQuant", "knowledge distillation", "speculative decoding", "pruning", "model merging",
    "instruction tuning", "continued pretraining", "curriculum learning", "data deduplication",
    "tokenization", "FlashAttention", "KV-cache compression", "sliding window attention", "RoPE scaling",
    "long-context fine-tuning", "synthetic data", "rejection sampling", "best-of-n sampling",
    "process reward models", "self-refine", "tool use", "function calling", "LLM-as-a-judge",
    "red teaming", "unlearning", "full fine-tuning", "mixture of depths",
]
METHODS_RU = {
    "quantization": "квантизация", "knowledge distillation": "дистилляция знаний", "pruning": "прунинг",
    "model merging": "слияние моделей", "instruction tuning": "инструктивное дообучение",
    "continued pretraining": "продолженное предобучение", "chain-of-thought prompting": "цепочка рассуждений",
    "reward modeling": "моделирование награды", "data deduplication": "дедупликация данных",
    "tokenization": "токенизация", "synthetic data": "синтетические данные",
    "speculative decoding": "спекулятивное декодирование", "unlearning": "разобучение",
    "full fine-tuning": "полное дообучение", "curriculum learning": "обучение по программе",
    "self-consistency": "самосогласованность", "tree of thoughts": "дерево мыслей",
    "red teaming": "красная команда", "tool use": "использование инструментов",
    "function calling": "вызов функций", "rejection sampling": "отбор с отклонением",
    "prompt tuning": "настройка промптов", "adapters": "адаптеры", "sparse routing": "разреженная маршрутизация",
    "long-context fine-tuning": "дообучение на длинном контексте", "reranking": "переранжирование",
}
CONCEPTS = [
    "catastrophic forgetting", "mode collapse", "reward hacking", "hallucination",
    "overfitting on small datasets", "sycophancy", "distribution shift", "scaling laws",
    "emergent abilities", "calibration", "benchmark contamination", "memorization", "context length",
    "perplexity", "preference data", "the KL penalty", "learning rate warmup", "the rank of the update",
    "mixed precision", "gradient checkpointing", "tokenizer fertility", "data quality",
    "faithfulness of reasoning", "latency", "throughput", "memory footprint", "length bias",
    "over-refusal", "verbosity", "label noise",
]
CONCEPTS_RU = [
    "катастрофическое забывание", "коллапс мод", "взлом награды", "галлюцинации",
    "переобучение на малых данных", "угодничество", "сдвиг распределения", "законы масштабирования",
    "калибровка", "утечка бенчмарков", "запоминание", "длина контекста", "перплексия",
    "данные предпочтений", "штраф KL", "разогрев скорости обучения", "ранг обновления",
    "смешанная точность", "качество данных", "верность рассуждений", "задержка",
    "пропускная способность", "потребление памяти", "смещение по длине", "избыточные отказы",
    "шум в разметке",
]
ASPECTS = [
    "overview", "rank selection", "memory footprint", "failure modes", "hyperparameters", "evaluation",
    "ablations", "vs full fine-tuning", "in production", "reading notes", "open questions",
    "for code models", "on small data", "risks", "checklist", "benchmarks", "implementation notes",
    "cost estimate", "design choices", "troubleshooting", "comparison", "FAQ", "experiments", "summary",
    "glossary", "pitfalls", "recipes", "lessons learned",
]
ASPECTS_RU = [
    "обзор", "выбор ранга", "потребление памяти", "типичные ошибки", "гиперпараметры", "оценка качества",
    "абляции", "против полного дообучения", "в продакшене", "конспект", "открытые вопросы", "для кода",
    "на малых данных", "риски", "чек-лист", "бенчмарки", "заметки по реализации", "оценка стоимости",
    "сравнение", "вопросы и ответы", "эксперименты", "итоги", "глоссарий", "подводные камни", "рецепты",
]
MISSING_ASPECTS = ["deep dive", "lecture notes 2026", "draft", "reading list", "TODO", "ideas", "scratchpad"]
MISSING_ASPECTS_RU = ["черновик", "разбор статьи", "идеи", "список литературы", "набросок"]
AUTHORS = [
    "Hu", "Dettmers", "Rafailov", "Ouyang", "Wei", "Wang", "Lewis", "Shazeer", "Fedus", "Hinton",
    "Frantar", "Lin", "Xiao", "Leviathan", "Chen", "Biderman", "Hoffmann", "Kaplan", "Touvron", "Zhou",
    "Bai", "Christiano", "Schulman", "Yao", "Shinn", "Gao", "Li", "Zhang", "Kwon", "Dao", "Liu", "Ethayarajh",
]
BENCHES = ["GSM8K", "MMLU", "HumanEval", "BBH", "MT-Bench", "AlpacaEval", "TruthfulQA", "HellaSwag",
           "ARC-Challenge", "MATH", "GPQA", "IFEval", "WinoGrande", "MBPP"]
GPUS = ["a single 24 GB GPU", "two A100 80 GB", "an RTX 4090", "eight H100", "a T4 in Colab",
        "a laptop with 64 GB of unified memory"]
GPUS_RU = ["одной карте на 24 ГБ", "двух A100 по 80 ГБ", "RTX 4090", "восьми H100", "T4 в Colab",
           "ноутбуке с 64 ГБ общей памяти"]
SIZES = ["1.3B", "3B", "7B", "8B", "13B", "34B", "70B", "175B"]
LRS = ["1e-4", "2e-4", "5e-5", "3e-4", "1e-5", "2e-5"]

SENTENCES_EN = [
    "{M} reduces the number of trainable parameters by about {n}× compared with full fine-tuning.",
    "On {b}, {m} gained {p} points over the baseline with a {s} model.",
    "{M} tends to cause {c} when the dataset is narrow.",
    "The main risk of {m} is {c}, which shows up only after a few epochs.",
    "{A} et al. ({y}) report that {m} matches {m2} at a fraction of the cost.",
    "With {g}, {m} fits a {s} model if activations are checkpointed.",
    "We measured {c} before and after {m} on a held-out set.",
    "In practice {m} and {m2} are combined: first {m}, then {m2}.",
    "{M} needs roughly {n}K preference pairs to beat {m2} on {b}.",
    "The effect of {m} on {c} is smaller than the effect of data quality.",
    "A learning rate of {lr} worked best for {m} in our runs.",
    "Nobody has shown that {m} fixes {c}; the evidence is anecdotal.",
    "{M} is cheap at inference time but adds {p}% latency without merging.",
    "For {s} models the gap between {m} and {m2} narrows to {p} points.",
    "It is unclear whether {c} comes from {m} itself or from the prompt format.",
    "{A} et al. ({y}) found that {c} grows with the number of epochs.",
    "Mixing 10–20% general data back in keeps {c} in check during {m}.",
    "The original {m} paper used {b} as the main benchmark, which hides {c}.",
    "{M} trades a little quality (≈{p} points) for a {n}× smaller memory footprint.",
    "Before adopting {m}, check {c} on your own data, not only on {b}.",
    "A rank of {r} was enough for {m} on most tasks we tried.",
    "{M} keeps the base weights frozen, so {c} is limited but not zero.",
    "Scaling from {s} upwards made {m} more stable and {c} less visible.",
    "The cost of {m} is dominated by data collection, not by compute.",
]
SENTENCES_RU = [
    "{M} сокращает число обучаемых параметров примерно в {n} раз по сравнению с полным дообучением.",
    "На {b} {m} дал прирост в {p} пункта относительно базовой модели {s}.",
    "{M} склонен вызывать {c}, если данные узкие.",
    "Главный риск {m} — {c}; он проявляется только после нескольких эпох.",
    "{A} и соавт. ({y}) показали, что {m} не уступает {m2} при меньших затратах.",
    "На {g} {m} помещает модель {s}, если включить чекпоинтинг активаций.",
    "Мы замерили {c} до и после {m} на отложенной выборке.",
    "На практике {m} и {m2} сочетают: сначала {m}, потом {m2}.",
    "Влияние {m} на {c} меньше, чем влияние качества данных.",
    "Лучше всего для {m} сработала скорость обучения {lr}.",
    "Никто не показал, что {m} устраняет {c}; свидетельства пока анекдотические.",
    "Непонятно, вызван ли эффект «{c}» самим {m} или форматом промпта.",
    "Для моделей {s} разрыв между {m} и {m2} сокращается до {p} пункта.",
    "Подмешивание 10–20% общих данных сдерживает {c} при {m}.",
    "{M} почти бесплатен на инференсе, но без слияния добавляет {p}% задержки.",
    "Ранга {r} хватало для {m} почти во всех наших задачах.",
    "Стоимость {m} определяется сбором данных, а не вычислениями.",
    "Перед внедрением {m} проверьте {c} на своих данных, а не только на {b}.",
    "{A} и соавт. ({y}) отмечают, что {c} растёт с числом эпох.",
    "{M} жертвует качеством (≈{p} пункта) ради уменьшения памяти в {n} раз.",
]
HEADINGS_EN = [
    "How it works", "Reported results", "Risks", "Open questions", "Setup", "Hyperparameters", "Evaluation",
    "Comparison with {m}", "When to use", "Failure modes", "Notes", "Implementation", "Memory",
    "Results on {b}", "Ablations", "Summary", "Related", "Experiments", "Cost", "Data", "Mitigations",
    "Practical recipe", "Why {m} works", "Limitations", "Timeline", "Baselines",
]
HEADINGS_RU = [
    "Как это работает", "Результаты", "Риски", "Открытые вопросы", "Настройка", "Гиперпараметры", "Оценка",
    "Сравнение с {m}", "Когда применять", "Типичные сбои", "Заметки", "Реализация", "Память",
    "Результаты на {b}", "Абляции", "Итоги", "Связанное", "Эксперименты", "Стоимость", "Данные",
    "Меры защиты", "Практический рецепт", "Почему {m} работает", "Ограничения", "Хронология",
]
TAGS_EN = ["lora", "peft", "peft/lora", "peft/qlora", "alignment", "alignment/dpo", "alignment/rlhf",
           "reasoning/cot", "retrieval/rag", "inference/quantization", "moe", "distillation", "eval", "risk",
           "todo", "status/draft", "status/verified", "paper", "LoRA_v2", "topic/alignment/dpo", "fine-tuning"]
TAGS_RU = ["метод", "метод/дообучение", "риск", "выравнивание", "рассуждения", "квантизация", "черновик",
           "проверено", "статья", "тема/выравнивание/dpo", "источник", "вопрос"]
CALLOUT_TYPES = ["note", "warning", "tip", "info", "risk", "solution", "question", "example", "quote",
                 "abstract", "important", "caution", "todo", "success", "failure", "bug", "danger"]
FIELD_KEYS = ["method", "risk", "mitigates", "source", "broader", "narrower", "related", "status", "cost",
              "effect", "evidence", "метод", "риск"]
EMOJI = ["✅", "⚠️", "💰", "💰💰", "🧪", "📉", "📈", "🔥", "❌", "≈", "↑", "↓"]
CODE_LANGS = ["python", "bash", "yaml", "json", "text", "", "python", "dataview"]
COLUMNS_EN = ["Method", "Memory", "Quality", "Cost", "Source", "Risk", "Notes", "Best for"]
COLUMNS_RU = ["Метод", "Память", "Качество", "Стоимость", "Источник", "Риск", "Заметки", "Когда"]
CHAT_Q_EN = [
    "Should I use {m} or {m2} for a {s} model with {n}K examples?",
    "Why does {m} make {c} worse on my data?",
    "How much memory does {m} need on {g}?",
    "Can you compare {m} and {m2} in a table?",
    "What learning rate should I start from with {m}?",
]
CHAT_Q_RU = [
    "Что выбрать для модели {s} и {n}K примеров: {m} или {m2}?",
    "Почему {m} усиливает {c} на моих данных?",
    "Сколько памяти нужно для {m} на {g}?",
    "Сравни {m} и {m2} в таблице.",
    "С какой скорости обучения начинать {m}?",
]
CHAT_H_EN = ["Short answer", "Why", "What to do", "Table", "Conclusion", "Details", "Caveats"]
CHAT_H_RU = ["Кратко", "Почему", "Что сделать", "Таблица", "Вывод", "Подробности", "Оговорки"]

FOLDERS = [
    # (folder, weight, language bias: "en" | "ru" | None, kind)
    ("methods", 6, None, "regular"), ("methods/peft", 5, None, "regular"),
    ("methods/peft/lora-family", 3, None, "regular"), ("methods/alignment", 5, None, "regular"),
    ("methods/alignment/preference", 3, None, "regular"), ("methods/inference", 3, None, "regular"),
    ("methods/inference/quantization", 3, None, "regular"), ("methods/reasoning", 3, None, "regular"),
    ("methods/retrieval", 3, None, "regular"), ("concepts", 6, None, "regular"),
    ("concepts/risks", 3, None, "regular"), ("concepts/evaluation", 3, None, "regular"),
    ("analyses", 4, None, "regular"), ("analyses/2024", 3, None, "regular"), ("analyses/2025", 3, None, "regular"),
    ("summaries", 3, None, "regular"), ("papers/2021", 2, "en", "paper"), ("papers/2022", 2, "en", "paper"),
    ("papers/2023", 3, "en", "paper"), ("papers/2024", 3, "en", "paper"), ("papers/2025", 2, "en", "paper"),
    ("imported", 2, None, "regular"), ("imported/course", 2, None, "regular"),
    ("imported/notion/export", 2, None, "regular"), ("archive/2023", 2, None, "regular"),
    ("archive/2024/q1", 1, None, "regular"), ("archive/2024/q3", 1, None, "regular"),
    ("daily/2024", 2, None, "daily"), ("daily/2025", 3, None, "daily"),
    ("конспекты", 3, "ru", "regular"), ("конспекты/курс LLM", 3, "ru", "regular"),
    ("конспекты/курс LLM/лекции", 2, "ru", "regular"), ("исследования/риски", 2, "ru", "regular"),
    ("", 1, None, "regular"),
]
CHAT_FOLDERS = ["chats", "chats/2025-05", "chats/2025-06", "chats/2025-07", "chats/2025-08"]
INDEX_NAMES = ["Overview", "Index", "README", "Обзор"]  # written into several folders (duplicate names)

# --------------------------------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------------------------------


@dataclass
class NotePlan:
    index: int
    folder: str
    title: str
    lang: str  # "en" | "ru"
    kind: str  # "regular" | "chat" | "daily" | "paper" | "index" | "empty"
    lines: int
    headings: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    frontmatter: bool = False
    encoding: str = "utf-8"  # "utf-8" | "mojibake" | "mojibake-lines" | "crlf" | "bom"

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.title}.md" if self.folder else f"{self.title}.md"

    @property
    def link_path(self) -> str:
        return self.path[:-3]


@dataclass
class Ctx:
    """What a note's text generator needs to know about the rest of the vault."""

    notes: list[NotePlan]
    missing: list[str]
    images: list[str]
    counters: dict[str, int]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _m_ru(m: str) -> str:
    return METHODS_RU.get(m, m)


def _title_candidate(rng: random.Random, lang: str, kind: str) -> str:
    if kind == "paper":
        m = rng.choice(METHODS)
        return f"{rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)} — {m}"
    if kind == "daily":
        return f"{rng.randint(2024, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "chat":
        m, m2 = rng.sample(METHODS, 2)
        day = f"2025-{rng.randint(5, 8):02d}-{rng.randint(1, 28):02d}"
        if lang == "ru":
            topic = rng.choice([f"{_cap(_m_ru(m))} против {_m_ru(m2)}", f"{_cap(rng.choice(CONCEPTS_RU))} и {m}",
                                f"Вопросы про {m}"])
        else:
            topic = rng.choice([f"{_cap(m)} vs {m2}", f"{_cap(rng.choice(CONCEPTS))} and {m}", f"Questions about {m}"])
        return f"{day} {topic}"
    r = rng.random()
    if lang == "ru":
        if r < 0.35:
            return f"{_cap(_m_ru(rng.choice(METHODS)))} — {rng.choice(ASPECTS_RU)}"
        if r < 0.55:
            return _cap(rng.choice(CONCEPTS_RU))
        if r < 0.75:
            return f"{_cap(rng.choice(CONCEPTS_RU))} при {_m_ru(rng.choice(METHODS))}"
        if r < 0.9:
            m, m2 = rng.sample(METHODS, 2)
            return f"{_cap(_m_ru(m))} против {_m_ru(m2)}"
        return f"Заметки о {_m_ru(rng.choice(METHODS))}"
    if r < 0.12:
        return _cap(rng.choice(METHODS))
    if r < 0.45:
        return f"{_cap(rng.choice(METHODS))} {rng.choice(ASPECTS)}"
    if r < 0.6:
        m, m2 = rng.sample(METHODS, 2)
        return f"{_cap(m)} vs {m2}"
    if r < 0.72:
        return _cap(rng.choice(CONCEPTS))
    if r < 0.85:
        return f"{_cap(rng.choice(CONCEPTS))} in {rng.choice(METHODS)}"
    if r < 0.93:
        return f"{_cap(rng.choice(METHODS))} on {rng.choice(BENCHES)}"
    return f"{_cap(rng.choice(METHODS))} with {rng.choice(SIZES)} models"


def _note_lines(rng: random.Random) -> int:
    # Lognormal body: median ~50 lines, 5th-95th percentile ~18-140 lines.
    return max(6, min(900, int(rng.lognormvariate(math.log(50), 0.62))))


def _plan(notes: int, seed: int) -> tuple[list[NotePlan], list[str], list[str]]:
    rng = random.Random(seed)
    n_ru = round(notes * 0.3)
    langs = ["ru"] * n_ru + ["en"] * (notes - n_ru)
    rng.shuffle(langs)
    kinds = ["regular"] * notes
    order = list(range(notes))
    rng.shuffle(order)
    cursor = 0

    def take(count: int, kind: str) -> list[int]:
        nonlocal cursor
        picked = order[cursor:cursor + count]
        cursor += count
        for i in picked:
            kinds[i] = kind
        return picked

    take(max(1, round(notes * 0.05)), "chat")
    take(max(1, round(notes * 0.002)), "empty")
    index_notes = take(min(len(INDEX_NAMES) * 3, max(2, notes // 100)), "index")
    big = set(take(max(1, round(notes * 0.004)), "big"))
    for i in big:
        kinds[i] = "regular"

    weights = [w for _, w, _, _ in FOLDERS]
    used_paths: set[str] = set()
    used_titles: set[str] = set()
    plans: list[NotePlan] = []
    index_slots = [(name, folder) for folder in ("", "methods", "concepts", "конспекты", "archive/2023", "papers/2024")
                   for name in INDEX_NAMES]
    rng.shuffle(index_slots)
    for i in range(notes):
        lang, kind = langs[i], kinds[i]
        if kind == "chat":
            folder = rng.choice(CHAT_FOLDERS)
        elif kind == "index":
            name, folder = index_slots.pop()
            lang = "ru" if name == "Обзор" else lang
        else:
            folder, _, bias, fkind = rng.choices(FOLDERS, weights)[0]
            if bias:
                lang = bias if rng.random() < 0.8 else lang
            if kind != "empty":
                kind = "regular" if i in big and fkind == "daily" else fkind
        if kind == "index":
            title = name
        else:
            for attempt in range(6):
                title = _title_candidate(rng, lang, kind if kind != "empty" else "regular")
                if title.lower() not in used_titles:
                    break
            else:
                title = f"{title} {i}"
        if kind == "empty":
            title = "Untitled" if "untitled" not in used_titles else f"Untitled {i}"
        path = f"{folder}/{title}.md".lower()
        while path in used_paths:
            title = f"{title} {i}"
            path = f"{folder}/{title}.md".lower()
        used_paths.add(path)
        used_titles.add(title.lower())
        if i in big:
            size = int(math.exp(rng.uniform(math.log(1000), math.log(5000))))
        elif kind == "daily":
            size = rng.randint(4, 30)
        elif kind == "empty":
            size = 0
        else:
            size = _note_lines(rng)
        plans.append(NotePlan(i, folder, title, lang, kind, size))

    # Duplicate basenames: ~3 % of notes reuse the title of a note in another folder.
    for _ in range(max(2, notes * 3 // 100)):
        a, b = rng.randrange(notes), rng.randrange(notes)
        pa, pb = plans[a], plans[b]
        if a == b or pa.folder == pb.folder or {pa.kind, pb.kind} & {"index", "empty", "chat"}:
            continue
        path = f"{pb.folder}/{pa.title}.md".lower() if pb.folder else f"{pa.title}.md".lower()
        if path in used_paths:
            continue
        used_paths.discard(pb.path.lower())
        used_paths.add(path)
        pb.title = pa.title

    # Headings and block ids other notes may link to; aliases.
    for p in plans:
        prng = random.Random(seed * 7_919 + p.index)
        p.frontmatter = prng.random() < {"regular": 0.7, "paper": 0.8, "chat": 0.3, "daily": 0.5}.get(p.kind, 0)
        if p.kind in ("empty", "daily"):
            continue
        pool = HEADINGS_RU if p.lang == "ru" else HEADINGS_EN
        if p.kind == "chat":
            pool = CHAT_H_RU if p.lang == "ru" else CHAT_H_EN
        n_head = max(1, min(3 if p.kind in ("index", "chat") else 8, p.lines // 15))
        heads: list[str] = []
        for h in prng.sample(pool, min(n_head, len(pool))):
            h = h.format(m=prng.choice(METHODS), b=prng.choice(BENCHES))
            if h not in heads:
                heads.append(h)
        p.headings = heads
        if p.kind != "chat" and p.lines >= 12:
            words = ["forgets-less", "rank-choice", "replay", "key-claim", "memory", "result", "caveat",
                     "recipe", "def", "vyvod", "risk", "summary"]
            p.blocks = [f"{prng.choice(words)}-{prng.randrange(16**4):04x}" for _ in range(prng.randint(0, 3))]
        if p.frontmatter and p.kind in ("regular", "paper") and prng.random() < 0.45:
            base = p.title.split(" — ")[0]
            p.aliases = [a for a in {base.lower(): None, _m_ru(base.lower()): None} if a != p.title][:2]
            if prng.random() < 0.5:
                p.aliases.append(f"{base} ({'заметка' if p.lang == 'ru' else 'note'} {p.index})")

    # Encodings: ~1 % mojibake (mostly Russian notes), a few partly damaged, CRLF and BOM.
    candidates = [p for p in plans if p.kind not in ("empty",) and p.lines > 0]
    ru = [p for p in candidates if p.lang == "ru"]
    en = [p for p in candidates if p.lang == "en"]
    n_moji = max(1, round(notes * 0.01))
    n_moji_ru = min(len(ru), max(1, round(n_moji * 0.8)))
    chosen = rng.sample(ru, n_moji_ru) + rng.sample(en, min(len(en), n_moji - n_moji_ru))
    for p in chosen:
        p.encoding = "mojibake"
    rest = [p for p in candidates if p.encoding == "utf-8"]
    for p in rng.sample(rest, min(len(rest), max(1, round(notes * 0.003)))):
        p.encoding = "mojibake-lines"
    rest = [p for p in candidates if p.encoding == "utf-8"]
    for p in rng.sample(rest, min(len(rest), max(1, round(notes * 0.005)))):
        p.encoding = "crlf"
    rest = [p for p in candidates if p.encoding == "utf-8"]
    for p in rng.sample(rest, min(len(rest), max(1, round(notes * 0.002)))):
        p.encoding = "bom"

    # Missing link targets: plausible names no note (or alias) carries.
    taken = {p.title.lower() for p in plans} | {a.lower() for p in plans for a in p.aliases}
    missing: list[str] = []
    for _ in range(max(20, notes // 8)):
        if rng.random() < 0.3:
            name = f"{_cap(_m_ru(rng.choice(METHODS)))} — {rng.choice(MISSING_ASPECTS_RU)}"
        elif rng.random() < 0.5:
            name = f"{_cap(rng.choice(METHODS))} {rng.choice(MISSING_ASPECTS)}"
        else:
            name = f"{_cap(rng.choice(CONCEPTS))} ({rng.choice(METHODS)} notes)"
        if name.lower() not in taken:
            taken.add(name.lower())
            missing.append(name)

    images = []
    for k in range(max(3, notes // 400)):
        if k % 3 == 2:
            images.append(f"Pasted image 2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                          f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}.png")
        else:
            images.append(f"diagram-{k + 1}.png")
    return plans, missing, images


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------

_LINK_FORMS = ["plain", "alias", "heading", "block", "local", "embed", "image", "heading_alias", "path",
               "lower", "alias_target"]
_LINK_WEIGHTS = [40, 14, 12, 5, 5, 6, 3, 4, 5, 3, 3]
_YAML_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#]*(?<!\s)$")


class Writer:
    """Text of one note; ``rng`` is the note's own generator."""

    def __init__(self, plan: NotePlan, ctx: Ctx, rng: random.Random):
        self.p, self.ctx, self.rng = plan, ctx, rng
        self.ru = plan.lang == "ru"
        self.out: list[str] = []
        self.footnotes: list[str] = []
        self.blocks_left = list(plan.blocks)
        self.c = ctx.counters

    # ---- small pieces ------------------------------------------------------------------------

    def method(self) -> str:
        m = self.rng.choice(METHODS)
        return _m_ru(m) if self.ru else m

    def sentence(self) -> str:
        rng = self.rng
        tpl = rng.choice(SENTENCES_RU if self.ru else SENTENCES_EN)
        m, m2 = self.method(), self.method()
        text = tpl.format(
            M=_cap(m), m=m, m2=m2, c=rng.choice(CONCEPTS_RU if self.ru else CONCEPTS), n=rng.randint(2, 40),
            p=rng.randint(1, 15), s=rng.choice(SIZES), b=rng.choice(BENCHES), A=rng.choice(AUTHORS),
            y=rng.randint(2019, 2025), g=rng.choice(GPUS_RU if self.ru else GPUS), lr=rng.choice(LRS),
            r=rng.choice([1, 2, 4, 8, 16, 32, 64]))
        r = rng.random()
        if r < 0.24:
            link = self.link()
            text = text[:-1] + (rng.choice([f" — см. {link}.", f" ({link})."]) if self.ru
                                else rng.choice([f" — see {link}.", f" ({link}).", f", as in {link}."]))
        elif r < 0.28:
            text += " " + self.md_link()
        elif r < 0.35:
            text += " " + " ".join("#" + self.tag() for _ in range(rng.randint(1, 3)))
            self.c["inline_tags"] += 1
        elif r < 0.41 and self.footnotes is not None:
            label = str(len(self.footnotes) + 1) if rng.random() < 0.85 else f"n{len(self.footnotes) + 1}"
            self.footnotes.append(label)
            text = text[:-1] + f"[^{label}]."
        elif r < 0.45:
            text += rng.choice([" Use `r = 16` and `alpha = 32`.", " The call is `model.merge_and_unload()`.",
                                " Not a link: `[[Inline code]]`, not a tag: `#code`."])
        elif r < 0.49:
            text = f"**{text[:-1]}**."
        elif r < 0.51:
            key, val = rng.choice([("cost", "low"), ("effect", "keeps quality"), ("цена", "низкая"),
                                   ("risk", self.link(plain=True))])
            text += rng.choice([f" [{key}:: {val}]", f" ({key}:: {val})"])
            self.c["inline_fields_bracketed"] += 1
        elif r < 0.53:
            text += f" {rng.choice(EMOJI)}"
        elif r < 0.545:
            text += " In C++ you would write std::vector here, which is not a field."
        elif r < 0.56:
            text += f" The update is $\\Delta W = BA$ with rank {rng.choice([4, 8, 16])}."
        elif r < 0.575:
            text += f" See https://arxiv.org/abs/{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)} for details."
        elif r < 0.585:
            text += " Not tags: #123, issue#5."
        return text

    def tag(self) -> str:
        return self.rng.choice(TAGS_RU if (self.ru or self.rng.random() < 0.1) else TAGS_EN)

    def target(self, plain: bool = False) -> tuple[str, NotePlan | None]:
        rng = self.rng
        if rng.random() < 0.15:
            self.c["links_missing"] += 1
            return rng.choice(self.ctx.missing), None
        p = self.ctx.notes[rng.randrange(len(self.ctx.notes))]
        if p.kind == "empty" and not plain:
            p = self.ctx.notes[rng.randrange(len(self.ctx.notes))]
        return p.title, p

    def link(self, plain: bool = False) -> str:
        rng = self.rng
        form = "plain" if plain else rng.choices(_LINK_FORMS, _LINK_WEIGHTS)[0]
        self.c["links"] += 1
        self.c[f"link_{form}"] += 1
        if form == "local":
            if self.p.headings:
                return f"[[#{rng.choice(self.p.headings)}]]"
            form = "plain"
        if form == "image":
            img = rng.choice(self.ctx.images)
            return rng.choice([f"![[{img}|300]]", f"![[{img}]]", f"![[{img}|{rng.choice([200, 400, 640])}]]"])
        name, p = self.target(plain)
        if form == "plain":
            return f"[[{name}]]"
        if form == "alias":
            return f"[[{name}|{self.alias_text()}]]"
        if form == "heading":
            head = rng.choice(p.headings) if p and p.headings else rng.choice(HEADINGS_EN).format(m="LoRA", b="MMLU")
            return f"[[{name}#{head}]]"
        if form == "heading_alias":
            head = rng.choice(p.headings) if p and p.headings else "Risks"
            return f"[[{name}#{head}|{self.alias_text()}]]"
        if form == "block":
            block = rng.choice(p.blocks) if p and p.blocks else f"missing-{rng.randrange(16**4):04x}"
            return f"[[{name}#^{block}]]"
        if form == "embed":
            if p and p.headings and rng.random() < 0.3:
                return f"![[{name}#{rng.choice(p.headings)}]]"
            return f"![[{name}]]"
        if form == "path":
            return f"[[{p.link_path if p else 'archive/' + name}]]" if rng.random() < 0.6 else \
                f"[[{p.link_path if p else 'archive/' + name}|{name}]]"
        if form == "lower":
            return f"[[{name.lower()}]]"
        if form == "alias_target":
            if p and p.aliases:
                return f"[[{rng.choice(p.aliases)}]]"
            return f"[[{name}]]"
        raise AssertionError(form)

    def alias_text(self) -> str:
        rng = self.rng
        if self.ru:
            return rng.choice(["подробнее", "здесь", "эта заметка", _m_ru(rng.choice(METHODS)), "источник"])
        return rng.choice(["details", "here", "this note", rng.choice(METHODS), "the paper", "why"])

    def md_link(self) -> str:
        rng = self.rng
        self.c["md_links"] += 1
        r = rng.random()
        if r < 0.2:
            return f"[{rng.choice(['paper', 'статья', 'code'])}](https://arxiv.org/abs/{rng.randint(2101, 2412)}." \
                   f"{rng.randint(10000, 19999)})"
        if r < 0.3:
            img = rng.choice(self.ctx.images)
            return f"![chart](attachments/{quote(img)})"
        name, p = self.target()
        path = p.path if p else f"{name}.md"
        if r < 0.75:
            href = quote(path)
        elif r < 0.85 and p and self.p.folder and p.folder and "/" not in self.p.folder:
            href = "../" + quote(path)
        elif r < 0.93:
            return f"[{name}](<{path}>)"
        else:
            head = p.headings[0] if p and p.headings else "Notes"
            href = f"{quote(path)}#{quote(head)}"
        return f"[{name}]({href})"

    def maybe_block_id(self, prob: float = 0.08) -> str:
        if self.blocks_left and self.rng.random() < prob:
            self.c["block_ids"] += 1
            return f" ^{self.blocks_left.pop()}"
        return ""

    # ---- blocks ------------------------------------------------------------------------------

    def paragraph(self) -> list[str]:
        rng = self.rng
        n = rng.choice([1, 1, 2, 2, 3, 4])
        if rng.random() < 0.2:
            lines = [self.sentence() for _ in range(n + 1)]
        else:
            lines = [" ".join(self.sentence() for _ in range(n))]
        lines[-1] += self.maybe_block_id()
        return lines

    def bullet_list(self) -> list[str]:
        rng = self.rng
        style = rng.choice(["- ", "* ", "1. ", "- [ ] ", "- "])
        out = []
        for k in range(rng.randint(2, 8)):
            marker = f"{k + 1}. " if style == "1. " else ("- [x] " if style == "- [ ] " and rng.random() < 0.4
                                                         else style)
            item = self.sentence() if rng.random() < 0.7 else f"{self.link()} — {self.method()}"
            out.append(marker + item + self.maybe_block_id(0.05))
            if rng.random() < 0.15:
                out.append("    - " + self.sentence())
        return out

    def table(self, quoted: bool = False) -> list[str]:
        rng = self.rng
        cols = rng.randint(2, 5)
        names = rng.sample(COLUMNS_RU if self.ru else COLUMNS_EN, cols)
        rows = ["| " + " | ".join(names) + " |",
                "|" + "|".join(rng.choice(["---", ":---", ":---:", "---:"]) for _ in names) + "|"]
        for _ in range(rng.randint(2, 10)):
            cells = []
            for c in range(cols):
                r = rng.random()
                if c == 0:
                    cells.append(_cap(self.method()))
                elif r < 0.25:
                    link = self.link(plain=True)
                    if rng.random() < 0.4:
                        link = link[:-2] + "\\|" + self.alias_text() + "]]"
                        self.c["escaped_pipe_links"] += 1
                    cells.append(link)
                elif r < 0.45:
                    cells.append(rng.choice(EMOJI))
                elif r < 0.7:
                    cells.append(f"{rng.randint(1, 99)}{rng.choice(['%', ' GB', '×', ' pts', ''])}")
                else:
                    cells.append(rng.choice(CONCEPTS_RU if self.ru else CONCEPTS))
            rows.append("| " + " | ".join(cells) + " |")
        self.c["tables"] += 1
        return ["> " + r for r in rows] if quoted else rows

    def callout(self) -> list[str]:
        rng = self.rng
        if rng.random() < 0.1:
            self.c["blockquotes"] += 1
            return ["> " + self.sentence(), "> — " + rng.choice(AUTHORS)]
        kind = rng.choice(CALLOUT_TYPES)
        fold = rng.choice(["", "", "", "-", "+"])
        title = rng.choice(["", _cap(self.method()), rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(
            m="LoRA", b="GSM8K")])
        head = rng.choice([">", "> "]) + f"[!{rng.choice([kind, kind, kind.upper(), kind.capitalize()])}]{fold}"
        out = [head + (" " + title if title else "")]
        self.c["callouts"] += 1
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.6:
                out.append("> " + self.sentence())
            elif r < 0.85:
                out.append("> - " + self.sentence())
            else:
                out.append("> " + self.link())
        if rng.random() < 0.1:
            self.c["callouts_nested"] += 1
            inner = f"> > [!{rng.choice(['solution', 'tip', 'example'])}] {self.method()}"
            out += [">", inner, "> > " + self.sentence()]
        if rng.random() < 0.05:
            out += [">"] + self.table(quoted=True)
        return out

    def fields(self) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(1, 5)):
            key = rng.choice(FIELD_KEYS)
            r = rng.random()
            value = self.link(plain=True) if r < 0.7 else rng.choice(
                ["low", "high", "arXiv:2106.09685", "2025-03-04", "draft", "средний"])
            prefix = rng.choice(["", "", "", "- ", "**"])
            out.append(f"**{key}**:: {value}" if prefix == "**" else f"{prefix}{key}:: {value}")
            self.c["fields"] += 1
        return out

    def code(self) -> list[str]:
        rng = self.rng
        fence = rng.choice(["```", "```", "~~~"])
        lang = rng.choice(CODE_LANGS)
        self.c["code_blocks"] += 1
        body = []
        if lang == "dataview":
            body = ["TABLE risk, method", 'FROM #peft AND "methods"', "WHERE contains(risk, [[LoRA]])"]
        elif lang == "yaml":
            body = ["lora:", f"  r: {rng.choice([8, 16])}", "  target_modules: [q_proj, v_proj]",
                    "  # see [[Not a link in yaml]] #notatag"]
        elif lang == "json":
            body = ['{', f'  "lr": {rng.choice(LRS)},', '  "note": "[[Nope]] #nope ^nope"', '}']
        else:
            body = [f"# see [[{rng.choice(['AlsoNotALink', 'Fake link', 'LoRA'])}]] #alsonot",
                    "from peft import LoraConfig",
                    f"config = LoraConfig(r={rng.choice([8, 16, 32])}, lora_alpha=32)",
                    'x = "[[Nope]]"  # [^1] is not a footnote here',
                    "> [!warning] not a callout inside code",
                    "| not | a table |",
                    "risk:: [[Not a field]]"][:rng.randint(3, 7)]
        if rng.random() < 0.08:
            self.c["indented_code"] += 1
            return ["    " + line for line in body]
        return [fence + lang] + body + [fence]

    def footnote_defs(self) -> list[str]:
        rng = self.rng
        out = []
        for label in self.footnotes:
            if rng.random() < 0.03:
                continue  # a reference without definition, as in real notes
            r = rng.random()
            if r < 0.65:
                src = self.link(plain=True)
                out.append(f"[^{label}]: {src} — {rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                           f"arXiv:{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}")
            elif r < 0.9:
                out.append(f"[^{label}]: {rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                           f"https://arxiv.org/abs/{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}")
            else:
                out.append(f"[^{label}]: {self.sentence()}")
            self.c["footnote_defs"] += 1
        if out and rng.random() < 0.1:
            out.append(f"[^unused]: {self.link(plain=True)}")
        return out

    # ---- whole notes -------------------------------------------------------------------------

    def frontmatter(self) -> list[str]:
        rng, p = self.rng, self.p
        self.c["frontmatter"] += 1
        footnotes = self.footnotes
        self.footnotes = None  # no footnote references inside YAML
        out = ["---"]
        if rng.random() < 0.3:
            out.append(f"title: {_yaml(p.title)}")
        if rng.random() < 0.5:
            out.append(f"type: {rng.choice(['method', 'concept', 'analysis', 'paper', 'summary'])}")
        if p.aliases:
            style = rng.random()
            if style < 0.5:
                out.append("aliases: [" + ", ".join(_yaml(a) for a in p.aliases) + "]")
            elif style < 0.8:
                out.append("aliases:")
                out += [f"  - {_yaml(a)}" for a in p.aliases]
            else:
                out.append(f"aliases: {_yaml(', '.join(p.aliases))}")
            self.c["fm_aliases"] += 1
        if rng.random() < 0.85:
            tags = list(dict.fromkeys(self.tag() for _ in range(rng.randint(1, 4))))
            style = rng.random()
            if style < 0.45:
                out.append("tags:")
                out += [f"  - {t}" if rng.random() < 0.9 else f'  - "#{t}"' for t in tags]
                self.c["fm_tags_list"] += 1
            elif style < 0.75:
                out.append("tags: [" + ", ".join(tags) + "]")
                self.c["fm_tags_list"] += 1
            elif style < 0.9:
                out.append(f"tags: {', '.join(tags)}")
                self.c["fm_tags_string"] += 1
            else:
                out.append(f'tags: "{" ".join("#" + t for t in tags)}"')
                self.c["fm_tags_string"] += 1
        if rng.random() < 0.6:
            out.append(f"created: 20{rng.randint(23, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        if rng.random() < 0.35:
            out.append(f"updated: 2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                       f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00")
        if rng.random() < 0.25:
            out.append(f"related: \"{self.link(plain=True)}\"")
            self.c["fm_links"] += 1
        if rng.random() < 0.1:
            out.append("links:")
            out += [f'  - "{self.link(plain=True)}"' for _ in range(rng.randint(1, 3))]
            self.c["fm_links"] += 1
        if rng.random() < 0.15:
            out.append(f"source: \"{rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                       f"arXiv:{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}\"")
        if rng.random() < 0.1:
            out.append(f"rating: {rng.randint(1, 5)}")
        if rng.random() < 0.06:
            key = rng.choice(["Receptor", "summary", "Конспект", "abstract"])
            out.append(f"{key}: |-")
            for _ in range(rng.randint(20, 300)):
                r = rng.random()
                if r < 0.1:
                    out.append("")
                elif r < 0.15:
                    out.append(f"  ### {rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m='DPO', b='MMLU')}")
                elif r < 0.2:
                    out.append(f"  - {self.sentence()}")
                else:
                    out.append("  " + self.sentence())
            self.c["fm_block_scalars"] += 1
        if rng.random() < 0.1:
            out.append("cssclasses: [wide]")
        if len(out) == 1:
            out.append(f"status: {rng.choice(['draft', 'verified', 'todo'])}")
        out.append("---")
        self.footnotes = footnotes
        return out

    def regular(self) -> list[str]:
        rng, p = self.rng, self.p
        out = self.out
        if p.frontmatter:
            out += self.frontmatter()
        if rng.random() < 0.6:
            out.append(f"# {p.title}")
            self.c["h1"] += 1
            out.append("")
        if rng.random() < 0.3:
            out.append(" ".join("#" + self.tag() for _ in range(rng.randint(1, 4))))
            out.append("")
            self.c["inline_tags"] += 1
        headings = list(p.headings)
        prev = "heading"
        level = 2
        while len(out) < p.lines or headings:
            if headings and (rng.random() < 0.2 or len(out) >= p.lines or prev == "start"):
                out.append(f"## {headings.pop(0)}")
                self.c["h2"] += 1
                out.append("")
                level, prev = 2, "heading"
                continue
            r = rng.random()
            if r < 0.06 and level < 4:
                level += 1
                h = rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m=self.method(), b=rng.choice(BENCHES))
                out.append(f"{'#' * level} {h}")
                self.c[f"h{level}"] += 1
                block, kind = [], "heading"
            elif r < 0.08 and level > 2:
                level = 2
                h = rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m=self.method(), b=rng.choice(BENCHES))
                out.append(f"## {h}")
                self.c["h2"] += 1
                block, kind = [], "heading"
            elif r < 0.45:
                block, kind = self.paragraph(), "para"
            elif r < 0.62:
                block, kind = self.bullet_list(), "list"
            elif r < 0.68:
                block, kind = self.table(), "table"
            elif r < 0.76:
                block, kind = self.callout(), "callout"
            elif r < 0.81:
                block, kind = self.fields(), "fields"
            elif r < 0.85:
                block, kind = self.code(), "code"
                if block[0].startswith("    ") and prev not in ("para", "heading"):
                    block = ["```"] + [b[4:] for b in block] + ["```"]
            elif r < 0.87:
                block, kind = [rng.choice(["---", "***", "- - -"])], "hr"
            elif r < 0.89:
                block, kind = ["$$", "\\mathcal{L}_{DPO} = -\\log \\sigma(\\beta \\Delta)", "$$"], "math"
            elif r < 0.9:
                block, kind = [f"<!-- TODO: {self.sentence()} -->"], "html"
            elif r < 0.92:
                embed = self.link() if rng.random() < 0.5 else f"![[{rng.choice(self.ctx.images)}|300]]"
                block, kind = [embed], "embed"
            else:
                block, kind = self.paragraph(), "para"
            out += block
            out.append("")
            prev = kind
        while self.blocks_left:
            out += [self.sentence() + self.maybe_block_id(1.0), ""]
        defs = self.footnote_defs()
        if defs:
            out += [f"#### {'Источники' if self.ru else 'Sources'}", ""] + defs + [""]
            self.c["h4"] += 1
        return out

    def chat(self) -> list[str]:
        rng, p = self.rng, self.p
        out = self.out
        self.footnotes = None  # chat exports carry citations like 【3†L12-L19】, not footnotes
        if p.frontmatter:
            out += self.frontmatter()
        day, month = rng.randint(1, 28), rng.randint(5, 8)
        hour, minute = rng.randint(8, 22), rng.randint(0, 59)
        questions = CHAT_Q_RU if self.ru else CHAT_Q_EN
        user, agent = ("User", "Assistant") if rng.random() < 0.8 else ("Пользователь", "Ассистент")
        while len(out) < p.lines:
            stamp = f"{day:02d}.{month:02d}.2025 at {hour:02d}:{minute:02d}"
            q = rng.choice(questions).format(m=self.method(), m2=self.method(), s=rng.choice(SIZES),
                                             n=rng.randint(1, 50), c=rng.choice(CONCEPTS_RU if self.ru else CONCEPTS),
                                             g=rng.choice(GPUS_RU if self.ru else GPUS))
            out += [f">[!nexus_user] **{user}** - {stamp}", "> " + q]
            if rng.random() < 0.3:
                out.append("> " + self.sentence())
            out += [f"<!-- UID: {uuid.UUID(int=rng.getrandbits(128), version=4)} -->", "", "", "", ""]
            minute += rng.randint(1, 3)
            if minute >= 60:
                hour, minute = hour + 1, minute - 60
            stamp = f"{day:02d}.{month:02d}.2025 at {hour:02d}:{minute:02d}"
            out += [f">[!nexus_agent] **{agent}** - {stamp}", "> " + self.sentence()]
            self.c["chat_messages"] += 2
            heads = CHAT_H_RU if self.ru else CHAT_H_EN
            planned, self.p_heads_done = ([] if getattr(self, "p_heads_done", False) else list(p.headings)), True
            for k in range(max(len(planned), rng.randint(1, 4))):
                head = planned[k] if k < len(planned) else rng.choice(heads)
                out += [">", f"> {rng.choice(['###', '###', '####'])} {head}"]
                for _ in range(rng.randint(1, 5)):
                    cite = f"【{rng.randint(1, 20)}†L{rng.randint(1, 40)}-L{rng.randint(41, 80)}】" \
                        if rng.random() < 0.3 else ""
                    text = self.sentence()
                    out.append(f"> - {text[:-1]}{cite}." if text.endswith(".") else f"> - {text}{cite}")
                if rng.random() < 0.25:
                    out += [">"] + self.table(quoted=True)
            if rng.random() < 0.5:
                first, second = self.link(), self.link()
                out += [">", f"> {'Подробнее' if self.ru else 'More'}: {first} {'и' if self.ru else 'and'} {second}."]
            out += [f"<!-- UID: {uuid.UUID(int=rng.getrandbits(128), version=4)} -->", "", "", "", ""]
            minute += rng.randint(5, 20)
            if minute >= 60:
                hour, minute = min(23, hour + 1), minute - 60
        return out

    def daily(self) -> list[str]:
        rng = self.rng
        out = self.out
        if self.p.frontmatter:
            out += ["---", f"date: {self.p.title}", "tags: [daily]", "---"]
            self.c["frontmatter"] += 1
        out += [f"# {self.p.title}", ""]
        while len(out) < self.p.lines:
            task = rng.choice(["- [ ] ", "- [x] ", "- "])
            out.append(f"{task}{'Прочитать' if self.ru else 'Read'} {self.link()} #{self.tag()}")
        out.append("")
        return out

    def index(self) -> list[str]:
        rng = self.rng
        out = self.out
        out += [f"# {self.p.title}", ""]
        for h in self.p.headings[:3] or ["Notes"]:
            out += [f"## {h}", ""]
            self.c["h2"] += 1
            for _ in range(rng.randint(5, 25)):
                out.append(f"- {self.link(plain=True)}")
            out.append("")
        return out

    def text(self) -> str:
        kind = self.p.kind
        if kind == "empty":
            return ""
        lines = {"chat": self.chat, "daily": self.daily, "index": self.index}.get(kind, self.regular)()
        return "\n".join(lines).rstrip("\n") + "\n"


def _yaml(s: str) -> str:
    return s if _YAML_PLAIN.match(s) and s.lower() not in ("yes", "no", "true", "false", "null", "on", "off") \
        else json.dumps(s, ensure_ascii=False)


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------

def _png(rng: random.Random) -> bytes:
    w, h = rng.randint(16, 64), rng.randint(16, 48)
    base = [rng.randrange(256) for _ in range(3)]
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            raw += bytes(((base[0] + 3 * x) % 256, (base[1] + 5 * y) % 256, (base[2] + x * y) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("mac_roman")


OBSIDIAN_FILES = {
    "app.json": {"alwaysUpdateLinks": True, "newLinkFormat": "shortest", "useMarkdownLinks": False,
                 "attachmentFolderPath": "attachments", "showFrontmatter": True},
    "appearance.json": {"baseFontSize": 16, "theme": "obsidian", "cssTheme": ""},
    "core-plugins.json": ["file-explorer", "global-search", "graph", "backlink", "outgoing-link", "tag-pane",
                          "page-preview", "templates", "outline", "word-count"],
    "community-plugins.json": ["dataview", "obsidian-excalidraw-plugin"],
    "workspace.json": {"main": {"id": "a1b2c3", "type": "split", "children": []},
                       "lastOpenFiles": ["methods/LoRA.md"]},
    "plugins/dataview/manifest.json": {"id": "dataview", "name": "Dataview", "version": "0.5.67"},
    "plugins/dataview/data.json": {"inlineQueryPrefix": "=", "enableDataviewJs": False},
}


def generate(out_dir: Path, notes: int, seed: int = 1) -> dict:
    """Write a synthetic vault of ``notes`` notes into ``out_dir``; return its statistics."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans, missing, images = _plan(notes, seed)
    counters: dict[str, int] = _Counter()
    ctx = Ctx(plans, missing, images, counters)

    obsidian = out_dir / ".obsidian"
    for name, data in OBSIDIAN_FILES.items():
        target = obsidian / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (obsidian / "snippets").mkdir(exist_ok=True)
    (obsidian / "snippets" / "wide.css").write_text(".wide { --file-line-width: 60rem; }\n", encoding="utf-8")

    attachments = out_dir / "attachments"
    attachments.mkdir(exist_ok=True)
    img_rng = random.Random(seed * 31 + 7)
    for name in images:
        (attachments / name).write_bytes(_png(img_rng))

    made_dirs: set[str] = set()
    total_bytes = total_lines = 0
    by_lang = {"en": 0, "ru": 0}
    encodings = _Counter()
    biggest = 0
    for p in plans:
        rng = random.Random(seed * 1_000_003 + p.index)
        text = Writer(p, ctx, rng).text()
        total_lines += text.count("\n")
        biggest = max(biggest, text.count("\n"))
        if p.encoding == "mojibake":
            text = _mojibake(text)
        elif p.encoding == "mojibake-lines":
            lines = text.split("\n")
            for k, line in enumerate(lines):
                if not line.isascii() and rng.random() < 0.4:
                    lines[k] = _mojibake(line)
            text = "\n".join(lines)
        elif p.encoding == "crlf":
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        if p.encoding == "bom":
            data = b"\xef\xbb\xbf" + data
        encodings[p.encoding] += 1
        if p.folder not in made_dirs:
            (out_dir / p.folder).mkdir(parents=True, exist_ok=True)
            made_dirs.add(p.folder)
        (out_dir / p.path).write_bytes(data)
        total_bytes += len(data)
        by_lang[p.lang] += 1

    names: dict[str, int] = {}
    for p in plans:
        names[p.title.lower()] = names.get(p.title.lower(), 0) + 1
    sizes = sorted(p.lines for p in plans)
    return {
        "notes": notes,
        "seed": seed,
        "out_dir": str(out_dir),
        "bytes": total_bytes,
        "lines": total_lines,
        "russian_notes": by_lang["ru"],
        "english_notes": by_lang["en"],
        "kinds": dict(sorted(_Counter(p.kind for p in plans).items())),
        "encodings": dict(sorted(encodings.items())),
        "mojibake_notes": encodings["mojibake"],
        "folders": len(made_dirs),
        "max_folder_depth": max(p.folder.count("/") + 1 if p.folder else 0 for p in plans),
        "duplicate_basenames": sum(1 for c in names.values() if c > 1),
        "attachments": len(images),
        "planned_lines_median": sizes[len(sizes) // 2] if sizes else 0,
        "notes_over_1000_lines": sum(1 for s in sizes if s >= 1000),
        "largest_note_lines": biggest,
        "features": dict(sorted(counters.items())),
        "seconds": round(time.perf_counter() - started, 3),
    }


class _Counter(dict):
    def __missing__(self, key):
        return 0

    def __init__(self, items=()):
        super().__init__()
        for item in items:
            self[item] += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the statistics as JSON")
    args = ap.parse_args(argv)
    if args.out_dir.exists() and any(args.out_dir.iterdir()):
        print(f"error: {args.out_dir} is not empty", file=sys.stderr)
        return 2
    stats = generate(args.out_dir, args.notes, args.seed)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        print(f"{stats['notes']} notes ({stats['russian_notes']} Russian, {stats['mojibake_notes']} mojibake), "
              f"{stats['bytes'] / 2**20:.1f} MiB, {stats['lines']} lines, {stats['folders']} folders, "
              f"{stats['duplicate_basenames']} duplicated names, {stats['attachments']} PNGs "
              f"in {stats['seconds']:.1f} s -> {stats['out_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
