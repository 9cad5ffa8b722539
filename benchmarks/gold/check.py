"""Validate a gold question set against a vault folder.

    python benchmarks/gold/check.py benchmarks/gold/demo.yaml vault
    python benchmarks/gold/check.py benchmarks/gold/seeds.yaml /tmp/seeds   # seeds copied there as .md
    python benchmarks/gold/check.py benchmarks/gold/demo.yaml vault --min-questions 48 --min-russian 0.334 \
        --min-per-intent 4 --passages

Checks every question (fields, language, intent, unique id) and every expected place: the path exists in
the vault exactly as written, the range lies inside the file, its first and last lines are not blank, and no
blank line falls inside it (a range is one passage, not a stretch of a note). Prints the counts per intent and
per language; exits 1 when anything is wrong. ``--passages`` also parses the notes with vaultgraph and warns
about ranges that hold the first line of no citable passage (list item, table row, sentence, paragraph).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

INTENTS = ("risk", "problem", "consequence", "solution", "evidence", "cost", "comparison", "definition", "open")
LANGS = ("en", "ru")
MAX_SPAN = 8  # lines; a gold range is a bullet, a row, a sentence or a short paragraph
_FIELDS = {"id", "question", "lang", "intent", "expect", "note", "answer_lang", "split", "negative"}
_REQUIRED = {"id", "question", "lang", "intent"}
SPLITS = ("dev", "test")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as editors (and the parser) count lines: a lone CR is a break


def load_gold(path: str | Path) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: the gold file must be a YAML list of questions")
    return data


def note_lines(path: Path) -> list[str]:
    """The lines of a note, 1-based as ``cat -n`` shows them (index 0 is line 1)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":  # a final newline ends the last line, it does not start a new one
        lines.pop()
    return lines


def is_blank(line: str) -> bool:
    """Empty, whitespace, or an empty blockquote/callout line (``>`` or ``> >``)."""
    return not line.replace(">", "").strip()


def validate(items: list, vault: str | Path) -> list[str]:
    """Every problem found in a gold set, as one readable line each (empty when the set is valid)."""
    vault = Path(vault)
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_questions: set[str] = set()
    cache: dict[str, list[str] | None] = {}
    for n, item in enumerate(items, 1):
        where = f"question {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not a mapping")
            continue
        qid = item.get("id")
        if isinstance(qid, str):
            where = qid
        missing = _REQUIRED - item.keys()
        if missing:
            problems.append(f"{where}: missing {', '.join(sorted(missing))}")
        unknown = item.keys() - _FIELDS
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(qid, str) or not _ID.match(qid):
            problems.append(f"{where}: id must be a lowercase slug, got {qid!r}")
        elif qid in seen_ids:
            problems.append(f"{where}: duplicate id")
        else:
            seen_ids.add(qid)
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            problems.append(f"{where}: empty question")
        else:
            key = question.strip().casefold()
            if key in seen_questions:
                problems.append(f"{where}: the same question appears twice")
            seen_questions.add(key)
        lang = item.get("lang")
        if lang not in LANGS:
            problems.append(f"{where}: lang must be one of {LANGS}, got {lang!r}")
        elif isinstance(question, str):
            if lang == "ru" and not _CYRILLIC.search(question):
                problems.append(f"{where}: lang is ru but the question has no Cyrillic letters")
            if lang == "en" and _CYRILLIC.search(question):
                problems.append(f"{where}: lang is en but the question has Cyrillic letters")
        if item.get("intent") not in INTENTS:
            problems.append(f"{where}: intent must be one of {INTENTS}, got {item.get('intent')!r}")
        if "note" in item and not isinstance(item["note"], str):
            problems.append(f"{where}: note must be a string")
        if "split" in item and item["split"] not in SPLITS:
            problems.append(f"{where}: split must be one of {SPLITS}, got {item['split']!r}")
        if "answer_lang" in item and item["answer_lang"] not in LANGS:
            problems.append(f"{where}: answer_lang must be one of {LANGS}, got {item['answer_lang']!r}")
        expect = item.get("expect")
        if item.get("negative") is True:
            if expect or "answer_lang" in item:
                problems.append(f"{where}: a negative question expects nothing (no expect, no answer_lang)")
            continue
        if "negative" in item:
            problems.append(f"{where}: negative is either true or absent")
        if not isinstance(expect, list) or not expect:
            problems.append(f"{where}: expect must be a non-empty list (or the question is negative: true)")
            continue
        ranges: dict[str, list[tuple[int, int]]] = {}
        for k, place in enumerate(expect, 1):
            problems += _check_place(f"{where} expect[{k}]", place, vault, cache, ranges)
    return problems


def _check_place(where: str, place, vault: Path, cache: dict, ranges: dict) -> list[str]:
    if not isinstance(place, dict) or set(place) != {"path", "lines"}:
        return [f"{where}: must be {{path, lines: [start, end]}}, got {place!r}"]
    rel, span = place["path"], place["lines"]
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel or ".." in rel.split("/"):
        return [f"{where}: path must be vault-relative with / separators, got {rel!r}"]
    if not (isinstance(span, list) and len(span) == 2 and all(type(x) is int for x in span)):
        return [f"{where}: lines must be [start, end] integers, got {span!r}"]
    start, end = span
    if not 1 <= start <= end:
        return [f"{where}: {rel} lines {span}: need 1 <= start <= end"]
    if end - start + 1 > MAX_SPAN:
        return [f"{where}: {rel} lines {span}: {end - start + 1} lines is not a tight range (max {MAX_SPAN})"]
    if rel not in cache:
        file = vault / rel
        # exact spelling, as on disk (a case-insensitive file system would accept a wrong case)
        exists = file.is_file() and rel.split("/")[-1] in {p.name for p in file.parent.iterdir()}
        cache[rel] = note_lines(file) if exists else None
    lines = cache[rel]
    if lines is None:
        return [f"{where}: {rel} does not exist in {vault}"]
    if end > len(lines):
        return [f"{where}: {rel} lines {span}: the note has {len(lines)} lines"]
    out = []
    for edge in {start, end}:
        if is_blank(lines[edge - 1]):
            out.append(f"{where}: {rel} line {edge} is blank")
    inner = [n for n in range(start + 1, end) if is_blank(lines[n - 1])]
    if inner:
        out.append(f"{where}: {rel} lines {span} span blank line(s) {inner}: one passage, not several")
    for other in ranges.get(rel, []):
        if start <= other[1] and other[0] <= end:
            out.append(f"{where}: {rel} lines {span} overlap {list(other)} of the same question")
    ranges.setdefault(rel, []).append((start, end))
    return out


def counts(items: list[dict]) -> tuple[Counter, Counter]:
    """Questions per intent and per language."""
    return Counter(i.get("intent") for i in items), Counter(i.get("lang") for i in items)


def requirement_problems(items: list[dict], min_questions: int = 0, min_russian: float = 0.0,
                         min_per_intent: int = 0) -> list[str]:
    """The size rules of a set: enough questions, a share of Russian ones, every intent covered."""
    by_intent, by_lang = counts(items)
    out = []
    if len(items) < min_questions:
        out.append(f"{len(items)} questions, need at least {min_questions}")
    if items and by_lang["ru"] / len(items) < min_russian:
        out.append(f"{by_lang['ru']} of {len(items)} questions are Russian, need a share of {min_russian:.3f}")
    for intent in INTENTS:
        if by_intent[intent] < min_per_intent:
            out.append(f"intent {intent}: {by_intent[intent]} questions, need at least {min_per_intent}")
    return out


def passage_warnings(items: list[dict], vault: str | Path) -> list[str]:
    """Ranges that hold the first line of no citable passage of vaultgraph's parser (needs vaultgraph)."""
    from vaultgraph.extract.units import units
    from vaultgraph.markdown import parse_bytes

    vault = Path(vault)
    starts: dict[str, set[int]] = {}
    out = []
    for item in items:
        for place in item.get("expect") or []:
            rel, (start, end) = place["path"], place["lines"]
            if rel not in starts:
                file = vault / rel
                starts[rel] = ({u.line for u in units(parse_bytes(file.read_bytes(), file.name))}
                               if file.is_file() else set())
            if not any(start <= s <= end for s in starts[rel]):
                out.append(f"{item.get('id')}: {rel} lines {[start, end]} hold no passage's first line")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Validate a gold question set against a vault folder.")
    ap.add_argument("gold", help="gold YAML file")
    ap.add_argument("vault", help="vault folder the paths are relative to")
    ap.add_argument("--min-questions", type=int, default=0)
    ap.add_argument("--min-russian", type=float, default=0.0, help="minimum share of Russian questions")
    ap.add_argument("--min-per-intent", type=int, default=0)
    ap.add_argument("--passages", action="store_true", help="also warn about ranges that start no passage")
    args = ap.parse_args(argv)

    try:
        items = load_gold(args.gold)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = validate(items, args.vault)
    good = [i for i in items if isinstance(i, dict)]
    problems += requirement_problems(good, args.min_questions, args.min_russian, args.min_per_intent)

    by_intent, by_lang = counts(good)
    places = sum(len(i.get("expect") or []) for i in good)
    print(f"{args.gold}: {len(good)} questions, {places} expected places")
    print("per intent:   " + ", ".join(f"{k} {by_intent[k]}" for k in INTENTS))
    print("per language: " + ", ".join(f"{k} {by_lang[k]}" for k in LANGS)
          + (f" (Russian {by_lang['ru'] / len(good):.0%})" if good else ""))
    if args.passages and not problems:
        for w in passage_warnings(good, args.vault):
            print(f"warning: {w}")
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
