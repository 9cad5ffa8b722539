"""Extraction: one parsed note → ``NoteFacts`` (claims, risks, solutions, sources), deterministically.

Explicit markup always wins over heuristics, and is how the user steers the graph from Obsidian:
frontmatter ``type:``, Dataview fields (``risk::``, ``mitigates::``, ``source::``, ``method::``) and
callouts (``> [!risk]``, ``> [!claim]``, ``> [!solution]``). Heuristics fill in the rest: section
roles from headings, method mentions from SKOS labels, effect direction from wording.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable

from ..markdown import links as wiki
from ..model import ParsedNote
from ..vocabulary import defines_concept
from .concepts import ConceptIndex, domain_mentions
from .nearby import Nearby, grouped
from .records import Claim, NoteFacts, Source
from .roles import callout_role, heading_role
from .sources import find_sources
from .units import Unit, innermost_sections, plain, units_and_cuts
from .wording import direction, is_negative, is_question

Resolve = Callable[[str], "str | None"]  # link target text → vault path (or None)

_KIND_BY_ROLE = {"problem": "problem", "consequences": "consequence", "solution": "solution",
                 "risks": "risk", "limitations": "limitation", "results": "result"}


def link_targets(value: str) -> list[str]:
    """The notes a property value names: the targets of its ``[[links]]``, else the value itself."""
    return wiki.targets(value) or [value.strip()]


def claim_id(path: str, line: int, end_line: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{path}#L{line}-{end_line}-{digest}"


def note_concept(note: ParsedNote, concepts: ConceptIndex) -> str | None:
    """The concept a ``type: method`` note defines (already added to ``concepts`` by the caller)."""
    if not defines_concept(note.frontmatter.get("type", "")):
        return None
    for label in (note.title, *note.aliases):
        hit = concepts.lookup(label)
        if hit:
            return hit
    return None


def extract(note: ParsedNote, concepts: ConceptIndex, resolve: Resolve) -> NoteFacts:
    note_type = str(note.frontmatter.get("type")) if note.frontmatter.get("type") else None
    own = note_concept(note, concepts)
    roles = _section_roles(note)
    footnotes = {f.label: f.text for f in note.footnotes}
    assistant_callouts = {m.callout for m in note.messages if m.role == "assistant"}
    message_callouts = {m.callout for m in note.messages}
    fields_by_line: dict[int, list[tuple[str, str]]] = {}
    for f in note.fields:
        fields_by_line.setdefault(f.line, []).append((f.key.lower(), f.value))
    sources: dict[str, Source] = {}
    read: dict[str, tuple] = {}  # footnote text → what it cites (one footnote may be cited by every claim)
    claims: list[Claim] = []
    pieces, cut = units_and_cuts(note)
    raw = [concepts.find(_mention_text(unit)) for unit in pieces]
    title_mentions = concepts.find(note.title)
    # ordinary words ("pruning", "attention") name a concept only in a note that speaks of the domain
    plain_ok = len(domain_mentions([m for ms in raw for m in ms] + title_mentions, own=own is not None)) == \
        sum(map(len, raw)) + len(title_mentions)
    title_methods = _concepts_in(concepts, note.title, "method", plain_ok)
    found_by_unit = [_mentions(concepts, unit, ms, plain_ok) for unit, ms in zip(pieces, raw)]
    group_methods: dict[int, list[str]] = {}
    for unit, found in zip(pieces, found_by_unit):
        if unit.group >= 0:
            group_methods.setdefault(unit.group, []).extend(m for m in found["method"] if not _capability_of(concepts, m))
    main = own or _main_method(concepts, found_by_unit) 

    for unit, found in zip(pieces, found_by_unit):
        role = _unit_role(note, unit, roles, message_callouts)
        section = note.sections[unit.section] if unit.section is not None else None
        methods = found["method"] or ((own,) if own else ()) or \
            _concepts_in(concepts, section.title if section else "", "method", plain_ok) or title_methods
        kinds = ["claim"]
        role_kind = _KIND_BY_ROLE.get(role or "")
        if role_kind:
            kinds.append(role_kind)
        question = is_question(unit.text)  # "does DPO hurt reasoning?" asks, it states nothing
        negative = is_negative(unit.text) and not question
        if role in ("problem", "consequences", "limitations") and not question or (
                negative and methods and role != "solution"):
            kinds.append("risk")
        if role == "risks":
            kinds.append("risk")
        affects = found["capability"]
        if "risk" in kinds and direction(unit.text) != "improves":
            # "CoT quality drops" names CoT as what is hurt: the cause is the method in context.
            hurt = [m for m in methods if _capability_of(concepts, m)]
            if hurt:
                affects = tuple(dict.fromkeys((*affects, *(c for m in hurt for c in _capability_of(concepts, m)))))
                causes = [m for m in methods if m not in hurt] or list(dict.fromkeys(group_methods.get(unit.group, []))) \
                    or ([main] if main and main not in hurt else [])
                methods = tuple(dict.fromkeys(causes)) or tuple(hurt)
        srcs, evidence = _unit_sources(unit, footnotes, resolve, sources, read)
        extra_methods: list[str] = []
        for key, value in _fields_in(unit, fields_by_line):
            if key in ("source", "источник"):
                for ref in find_sources(value) or []:
                    sources.setdefault(ref.key, Source(ref.key, ref.kind, ref.text))
                    srcs.append(ref.key)
            elif key in ("method", "метод"):
                extra_methods += [c for t in wiki.targets(value) for c in [concepts.lookup(t)] if c]
            elif key in ("risk", "риск"):
                kinds.append("risk")
        if "risk" in kinds and not methods and not extra_methods:
            # A risk is always about something: the note's main method, the concept the note is
            # named after (a note on mode collapse), or the phenomenon it names; else it is no risk
            # (a `> [!warning]` in a note on backups is an ordinary claim). A claim in a risks section
            # was marked twice (its section's kind and the role): every mark goes.
            fallback = main or concepts.lookup(note.title) or (found["phenomenon"][0] if found["phenomenon"] else None)
            if fallback:
                methods = (fallback,)
            else:
                kinds = [k for k in kinds if k != "risk"]
        cost = next((text for meaning, text in unit.cells if meaning == "cost"), None)
        claims.append(Claim(
            id=claim_id(note.path, unit.line, unit.end_line, unit.text),
            kinds=tuple(dict.fromkeys(kinds)),
            text=unit.text, path=note.path, line=unit.line, end_line=unit.end_line,
            heading=section.path if section else (),
            role=role, origin=unit.origin,
            about=tuple(dict.fromkeys((*methods, *extra_methods))),
            affects=affects, involves=found["phenomenon"],
            direction=None if question else "degrades" if "risk" in kinds and negative else direction(unit.text),
            cost=cost, sources=tuple(dict.fromkeys(srcs)), evidence=tuple(dict.fromkeys(evidence)),
            author="assistant" if unit.callout in assistant_callouts else "user",
            cells=unit.cells,
        ))

    claims += _field_claims(note, concepts, resolve, own, {c.line for c in claims})
    mitigates = _mitigations(note, claims, concepts, resolve)
    causes = _causes(claims)
    links = tuple(sorted({(t, l.line, l.embed) for l in note.links for t in [resolve(l.target) if l.target else note.path] if t}))
    return NoteFacts(note.path, note.title, note_type, own, tuple(claims), mitigates, causes,
                     tuple(sorted(sources.values(), key=lambda s: s.key)), links, cut)


def _capability_of(concepts: ConceptIndex, method: str) -> tuple[str, ...]:
    """Capabilities a method stands for when it is what gets hurt (CoT → reasoning), via skos:related."""
    concept = concepts.get(method)
    return tuple(r for r in getattr(concept, "related", ()) if r in concepts and concepts.get(r).scheme == "capability")


def _main_method(concepts: ConceptIndex, found: list[dict[str, tuple[str, ...]]]) -> str | None:
    """The method a note is mostly about (most mentioned, first mentioned on ties)."""
    counts: dict[str, int] = {}
    for f in found:
        for m in f["method"]:
            if not _capability_of(concepts, m):
                counts[m] = counts.get(m, 0) + 1
    return max(counts, key=lambda m: counts[m]) if counts else None


def _section_roles(note: ParsedNote) -> list[str | None]:
    roles: list[str | None] = []
    by_path: dict[tuple[str, ...], str | None] = {}
    for s in note.sections:
        role = heading_role(s.title)
        if role is None:
            role = by_path.get(s.path[:-1])  # inherit from the parent heading
        by_path[s.path] = role
        roles.append(role)
    return roles


def _unit_role(note: ParsedNote, unit: Unit, roles: list[str | None], message_callouts: set[int]) -> str | None:
    if unit.callout is not None:
        role = callout_role(note.callouts[unit.callout].type)
        if role and role not in ("other", "claim"):
            return role
    if unit.section is None:
        return None
    if unit.callout in message_callouts and note.sections[unit.section].callout != unit.callout:
        return None  # a chat message is a context of its own: a "Sources" heading above it does not make it one
    return roles[unit.section]


def _mention_text(unit: Unit) -> str:
    if unit.cells:  # a table row is about the method named in its method column
        method_cells = [c for m, c in unit.cells if m == "method"]
        if method_cells:
            return " ".join(method_cells) + " " + " ".join(c for m, c in unit.cells if m != "method")
    return unit.text


def _mentions(concepts: ConceptIndex, unit: Unit, found: list, plain_ok: bool) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {"method": [], "capability": [], "phenomenon": [], "vault": []}
    for mention in found:
        if plain_ok or not mention.ordinary:
            out.setdefault(concepts.get(mention.concept).scheme, []).append(mention.concept)
    if unit.cells and any(m == "method" for m, _ in unit.cells):
        first = [m.concept for m in concepts.find(" ".join(c for m, c in unit.cells if m == "method"))
                 if concepts.get(m.concept).scheme in ("method", "vault") and (plain_ok or not m.ordinary)]
        out["method"] = first
    methods = out["method"] + out.get("vault", [])
    return {"method": tuple(dict.fromkeys(methods)), "capability": tuple(dict.fromkeys(out["capability"])),
            "phenomenon": tuple(dict.fromkeys(out["phenomenon"]))}


def _concepts_in(concepts: ConceptIndex, text: str, scheme: str, plain_ok: bool = True) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.concept for m in concepts.find(text)
                               if concepts.get(m.concept).scheme in (scheme, "vault") and (plain_ok or not m.ordinary)))


def _unit_sources(unit: Unit, footnotes: dict[str, str], resolve: Resolve, sources: dict[str, Source],
                  read: dict[str, tuple]):
    keys: list[str] = []
    evidence: list[str] = []
    referenced = wiki.footnote_refs(unit.raw)
    texts = [unit.raw] + [footnotes[label] for label in referenced if label in footnotes]
    for n, text in enumerate(texts):
        cited = read.get(text) if n else None
        if cited is None:
            cited = ([r for r in find_sources(text) if r.kind != "wikilink"], wiki.targets(text))
            if n:
                read[text] = cited
        refs, targets = cited
        for ref in refs:
            sources.setdefault(ref.key, Source(ref.key, ref.kind, ref.text))
            keys.append(ref.key)
        for target in targets:
            path = resolve(target) if target.strip() else None
            key = f"note:{path}" if path else f"note:?{target.strip()}"
            if target.strip():
                sources.setdefault(key, Source(key, "wikilink", f"[[{target.strip()}]]"))
                keys.append(key)
                if path:
                    evidence.append(path)
    return keys, evidence


def _fields_in(unit: Unit, fields_by_line: dict[int, list[tuple[str, str]]]):
    for line in range(unit.line, unit.end_line + 1):
        yield from fields_by_line.get(line, ())


def _field_claims(note: ParsedNote, concepts: ConceptIndex, resolve: Resolve, own: str | None,
                  taken: set[int]) -> list[Claim]:
    """``risk:: [[X]]`` on a line of its own states a risk of the note's method."""
    out = []
    section_at = innermost_sections(note)
    for f in note.fields:
        key = f.key.lower()
        if key not in ("risk", "риск") or f.line in taken:
            continue
        targets = link_targets(f.value)
        involved = tuple(c for t in targets for c in [concepts.lookup(t)] if c)
        about = ((own,) if own else _concepts_in(concepts, note.title, "method")) \
            or tuple(c for c in (concepts.lookup(note.title),) if c) or involved[:1]
        if not about:
            continue  # a risk must be about something
        text = f"{note.title}: {plain(f.value)}"
        section = note.sections[i] if (i := section_at(f.line)) is not None else None
        evidence = tuple(p for t in targets for p in [resolve(t)] if p)
        out.append(Claim(claim_id(note.path, f.line, f.line, text), ("claim", "risk"), text, note.path, f.line,
                         f.line, section.path if section else (), "risks", "field", about, (), involved,
                         "degrades", None, tuple(f"note:{p}" for p in evidence), evidence))
    return out


NEAREST = 3  # a solution answers the nearest risks on its topic, not every risk of a long note


def _mitigations(note: ParsedNote, claims: list[Claim], concepts: ConceptIndex, resolve: Resolve):
    order = {id(c): i for i, c in enumerate(claims)}
    risks = [c for c in claims if "risk" in c.kinds or "problem" in c.kinds]
    by_topic = Nearby(grouped(risks, lambda r: {*r.about, *r.affects, *r.involves}), order)
    problems = Nearby({"": [r for r in risks if "problem" in r.kinds]}, order)
    pairs: list[tuple[str, str]] = []
    for sol in (c for c in claims if "solution" in c.kinds):
        topics = sorted({*sol.about, *sol.affects, *sol.involves})
        chosen = by_topic.nearest(sol.line, topics, NEAREST, by_id=True) or problems.nearest(sol.line, [""], NEAREST)
        pairs += [(sol.id, r.id) for r in chosen]
    fields = [f for f in note.fields if f.key.lower() in ("mitigates", "смягчает", "решает")]
    on_line = _claims_on_lines(claims, sorted({f.line for f in fields}))
    for f in fields:
        line_claims = on_line.get(f.line, [])
        for target in wiki.targets(f.value):
            concept = concepts.lookup(target.strip())
            if concept and concepts.get(concept).scheme != "phenomenon":
                concept = None
            goal = f"concept:{concept}" if concept else (f"note:{resolve(target)}" if resolve(target) else None)
            for c in line_claims:
                if goal:
                    pairs.append((c.id, goal))
    return tuple(dict.fromkeys(pairs))


def _claims_on_lines(claims: list[Claim], lines: list[int]) -> dict[int, list[Claim]]:
    """For each of ``lines`` (sorted), the claims whose span holds it, in order."""
    out: dict[int, list[Claim]] = {}
    for c in claims:
        i = bisect.bisect_left(lines, c.line)
        while i < len(lines) and lines[i] <= c.end_line:
            out.setdefault(lines[i], []).append(c)
            i += 1
    return out


def _causes(claims: list[Claim]) -> tuple[tuple[str, str], ...]:
    problems = [c for c in claims if "problem" in c.kinds]
    consequences = [c for c in claims if "consequence" in c.kinds]
    by_concept = Nearby(grouped(problems, lambda p: set(p.about)), {id(c): i for i, c in enumerate(claims)})
    pairs = []
    for cons in consequences:
        for p in by_concept.nearest(cons.line, sorted(set(cons.about)), NEAREST) or problems[:1]:
            pairs.append((p.id, cons.id))
    return tuple(dict.fromkeys(pairs))
