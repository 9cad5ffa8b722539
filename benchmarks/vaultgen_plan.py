"""The plan of a generated vault: every note's folder, title, language, kind, size, headings and block ids."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from vaultgen_words import (ASPECTS, ASPECTS_RU, AUTHORS, BENCHES, CHAT_FOLDERS, CHAT_H_EN, CHAT_H_RU, CONCEPTS,
                            CONCEPTS_RU, FOLDERS, HEADINGS_EN, HEADINGS_RU, INDEX_NAMES, METHODS, METHODS_RU,
                            MISSING_ASPECTS, MISSING_ASPECTS_RU, SIZES)


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


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def m_ru(m: str) -> str:
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
            topic = rng.choice([f"{cap(m_ru(m))} против {m_ru(m2)}", f"{cap(rng.choice(CONCEPTS_RU))} и {m}",
                                f"Вопросы про {m}"])
        else:
            topic = rng.choice([f"{cap(m)} vs {m2}", f"{cap(rng.choice(CONCEPTS))} and {m}", f"Questions about {m}"])
        return f"{day} {topic}"
    r = rng.random()
    if lang == "ru":
        if r < 0.35:
            return f"{cap(m_ru(rng.choice(METHODS)))} — {rng.choice(ASPECTS_RU)}"
        if r < 0.55:
            return cap(rng.choice(CONCEPTS_RU))
        if r < 0.75:
            return f"{cap(rng.choice(CONCEPTS_RU))} при {m_ru(rng.choice(METHODS))}"
        if r < 0.9:
            m, m2 = rng.sample(METHODS, 2)
            return f"{cap(m_ru(m))} против {m_ru(m2)}"
        return f"Заметки о {m_ru(rng.choice(METHODS))}"
    if r < 0.12:
        return cap(rng.choice(METHODS))
    if r < 0.45:
        return f"{cap(rng.choice(METHODS))} {rng.choice(ASPECTS)}"
    if r < 0.6:
        m, m2 = rng.sample(METHODS, 2)
        return f"{cap(m)} vs {m2}"
    if r < 0.72:
        return cap(rng.choice(CONCEPTS))
    if r < 0.85:
        return f"{cap(rng.choice(CONCEPTS))} in {rng.choice(METHODS)}"
    if r < 0.93:
        return f"{cap(rng.choice(METHODS))} on {rng.choice(BENCHES)}"
    return f"{cap(rng.choice(METHODS))} with {rng.choice(SIZES)} models"


def _note_lines(rng: random.Random) -> int:
    # Lognormal body: median ~50 lines, 5th-95th percentile ~18-140 lines.
    return max(6, min(900, int(rng.lognormvariate(math.log(50), 0.62))))


def plan_vault(notes: int, seed: int) -> tuple[list[NotePlan], list[str], list[str]]:
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
            p.aliases = [a for a in {base.lower(): None, m_ru(base.lower()): None} if a != p.title][:2]
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
            name = f"{cap(m_ru(rng.choice(METHODS)))} — {rng.choice(MISSING_ASPECTS_RU)}"
        elif rng.random() < 0.5:
            name = f"{cap(rng.choice(METHODS))} {rng.choice(MISSING_ASPECTS)}"
        else:
            name = f"{cap(rng.choice(CONCEPTS))} ({rng.choice(METHODS)} notes)"
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
