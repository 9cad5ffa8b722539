"""Citations in free text: URLs, arXiv ids, DOIs, author–year references, chat marks, footnotes, wiki-links.

``find_sources`` returns non-overlapping ``SourceRef`` records whose offsets index the text it was given
(``text[ref.start:ref.end] == ref.text``). Keys are normalised so one work cited two ways meets itself:
``arXiv:2106.09685``, ``https://arxiv.org/abs/2106.09685v2`` and ``https://doi.org/10.48550/arXiv.2106.09685``
all give ``arxiv:2106.09685``; "Hu et al. 2021", "(Hu et al., 2021)" and "Hu, E. J., Shen, Y. (2021)" give
``cite:hu-2021`` (first author, lower-cased, never transliterated: «Ху и др., 2021» → ``cite:ху-2021``).
On request a footnote reference ``[^3]`` gives ``fn:3``; ``footnote_sources`` says what each definition cites.
Wiki-links give ``note:?Target``: the graph stage replaces ``?Target`` by the path the link resolves to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ..markdown.links import footnote_marks, wikilinks

KINDS = ("url", "arxiv", "doi", "author-year", "wikilink", "footnote", "chat-mark")


@dataclass(frozen=True)
class SourceRef:
    kind: str  # one of KINDS
    key: str  # normalised identity, e.g. "arxiv:2106.09685", "cite:hu-2021", "note:?LoRA", "chat:47:L1-L4"
    text: str  # as written
    start: int  # character offsets in the text given
    end: int


# --- patterns ------------------------------------------------------------------------------------------------

_ARXIV_ID = (r"(?:(?P<new>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})|(?P<old>[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}))"
             r"(?P<ver>v\d+)?(?![\d\w])")
_ARXIV = re.compile(r"(?<![\w/])[Aa][Rr][Xx][Ii][Vv](?:\s*[:,]\s*|\s+(?:(?:preprint|e-?print|id|no\.?)\s*:?\s*)?)"
                    + _ARXIV_ID)
_ARXIV_BARE_URL = re.compile(r"(?<![\w/.:])(?:www\.)?arxiv\.org/(?:abs|pdf|html)/" + _ARXIV_ID + r"(?:\.pdf)?", re.I)
_ARXIV_IN_URL = re.compile(r"^https?://(?:(?:[\w-]+\.)*(?:arxiv|ar5iv|alphaxiv)\.org/(?:abs|pdf|html|format)"
                           r"|(?:www\.)?huggingface\.co/papers)/" + _ARXIV_ID, re.I)
_URL = re.compile(r"https?://[^\s<>\"'`|\[\]{}【】«»]+", re.I)
_DOI = re.compile(r"(?:\b(?:doi|DOI)\s*:\s*)?(?<![\w/.])10\.\d{4,9}/[^\s\"<>|\[\]{}【】«»]+")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/.+)$", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\." + _ARXIV_ID, re.I)
_CHAT = re.compile(r"【([^】\n]{1,200})】|\[(\d+)†([^\]\n]{1,100})\]")
_TRAILING = ".,;:!?'\"”’»*_~"
_MEDIA = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|mp3|wav|ogg|m4a|mp4|webm|mov)$", re.I)

_LOWER = r"a-zß-öø-ÿā-ž"
_PARTICLE = r"(?:[Vv]an|[Vv]on|[Dd]e|der|den|[Dd]a|[Dd]i|[Dd]u|[Dd]el|[Dd]ella|[Ll]e|[Ll]a|Ben|Al|El|Abu)\s+"
_LAT = (rf"(?:{_PARTICLE})*(?:Mc|Mac|O['’]|D['’])?[A-ZÀ-ÖØ-Þ][{_LOWER}]+"
        rf"(?:-[A-ZÀ-ÖØ-Þ][{_LOWER}]+|['’][{_LOWER}]+)*")
_CYR = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ]?[а-яё]+)*"
_SURNAME = rf"(?:{_LAT}|{_CYR})(?![\w'’])"
_INITIALS = r"[A-ZА-ЯЁ]\.(?:\s?-?[A-ZА-ЯЁ]\.)*"
_NAME = rf"{_SURNAME}(?:,?\s+{_INITIALS}(?!\w))?"
_SEP = r"(?:\s*,\s*(?:and\s+|&\s*|и\s+)?|\s+(?:and|&|и)\s+)"
_ETAL = r"(?P<etal>\s*,?\s*(?:et\s+al\b\.?|и\s+др\b\.?|и\s+соавт\b\.?|и\s+соавторы\b|и\s+коллеги\b))?"
_YEAR = r"(?P<paren>\(\s*)?(?P<year>\d{4})(?P<suf>[a-z])?(?![\w/]|[.\-–]\d)(?(paren)\s*\))"
_AUTHOR_YEAR = re.compile(rf"(?<![\w@#/.\-'’])(?P<authors>{_NAME}(?:{_SEP}{_NAME}){{0,15}}){_ETAL}\s*,?\s*{_YEAR}")
_ONE_NAME = re.compile(_NAME)
_ONE_SURNAME = re.compile(_SURNAME)
_CITEISH_AFTER = re.compile(r"\s*(?:$|[,;:).\]|—–\-(]|\n)")

# Capitalised words that precede a year without being anybody's surname.
_STOP = set("""
in on at by for from since until till before after during through around about circa ca approx early late mid end
start spring summer autumn fall winter christmas year years the a an this that these those of to and or but as is
was our my their its his her we it also then now only over under up top best new old next last each every per
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
version release update edition report overview summary review survey roadmap plan vision outlook trends predictions
conference workshop proceedings findings transactions journal nature science letters cup olympics expo copyright
windows office server studio ubuntu python model models table figure fig section chapter page vol volume part class
cohort batch dataset benchmark leaderboard challenge competition track task world global state archive notes note
gpt llama mistral mixtral gemini gemma claude qwen falcon phi chinchilla gopher palm bloom opt bert deepseek grok
anthropic google meta microsoft openai deepmind apple nvidia amazon ibm huggingface github arxiv wikipedia
neurips icml iclr emnlp acl naacl interspeech coling aaai ijcai cvpr iccv eccv tmlr jmlr
в с к о у до от по на за из под над при про для после около примерно начиная конец конца начало начала середина
середины год года году годы лет весна весной лето летом осень осенью зима зимой версия версии выпуск релиз отчёт
отчет статья статье обзор модель модели итоги план курс конференция семинар данные заметки архив также однако
январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля август августа сентябрь
сентября октябрь октября ноябрь ноября декабрь декабря
""".split())


def _stopword(name: str) -> bool:
    return name.split()[-1].lower().replace("ё", "е") in _STOP


# --- scanners ------------------------------------------------------------------------------------------------

_RANK = {"wikilink": 0, "chat-mark": 0, "footnote": 0, "arxiv": 1, "doi": 2, "url": 3, "author-year": 4}


def _ref(text: str, kind: str, key: str, start: int, end: int) -> SourceRef:
    return SourceRef(kind, key, text[start:end], start, end)


def _arxiv_key(m: re.Match) -> str:
    return "arxiv:" + (m.group("new") or m.group("old"))


def _trim(text: str, start: int, end: int) -> int:
    """End offset without trailing punctuation; a closing bracket stays only when the URL opened one.
    (The brackets are counted once, then as the end moves: counting them again for every character dropped
    was quadratic in a URL ending in a run of ``)``.)"""
    opened, closed = text.count("(", start, end), text.count(")", start, end)
    while end > start:
        ch = text[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch == ")" and opened < closed:
            end -= 1
            closed -= 1
        else:
            break
    return end


def _url_key(url: str) -> str:
    try:
        parts = urlsplit(url)
        path = "" if parts.path == "/" else parts.path
        return "url:" + urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, parts.fragment))
    except ValueError:
        return "url:" + url


def _doi_ref(text: str, doi: str, start: int, end: int) -> SourceRef:
    arx = _ARXIV_DOI.match(doi)
    if arx:
        return _ref(text, "arxiv", _arxiv_key(arx), start, end)
    return _ref(text, "doi", "doi:" + doi.lower(), start, end)


def _scan_links(text: str) -> list[SourceRef]:
    out = []
    for m in _URL.finditer(text):
        end = _trim(text, m.start(), m.end())
        url = text[m.start():end]
        if len(url) <= len("https://"):
            continue
        arx = _ARXIV_IN_URL.match(url)
        doi = _DOI_URL.match(url)
        if arx:
            out.append(_ref(text, "arxiv", _arxiv_key(arx), m.start(), end))
        elif doi:
            out.append(_doi_ref(text, doi.group(1), m.start(), end))
        else:
            out.append(_ref(text, "url", _url_key(url), m.start(), end))
    for pattern in (_ARXIV, _ARXIV_BARE_URL):
        for m in pattern.finditer(text):
            out.append(_ref(text, "arxiv", _arxiv_key(m), m.start(), m.end()))
    for m in _DOI.finditer(text):
        end = _trim(text, m.start(), m.end())
        doi = re.sub(r"^(?:doi|DOI)\s*:\s*", "", text[m.start():end])
        if "/" in doi and not doi.endswith("/"):
            out.append(_doi_ref(text, doi, m.start(), end))
    return out


def _scan_marks(text: str, footnotes: bool) -> list[SourceRef]:
    out = []
    for m in _CHAT.finditer(text):
        inner = m.group(1) if m.group(1) is not None else f"{m.group(2)}†{m.group(3)}"
        parts = [p.strip() for p in inner.split("†")]
        out.append(_ref(text, "chat-mark", "chat:" + ":".join(p for p in parts if p), m.start(), m.end()))
    for m in footnote_marks(text) if footnotes else ():
        if not text.startswith(":", m.end()):  # "[^1]: …" starts a definition: it cites nothing
            out.append(_ref(text, "footnote", "fn:" + m.group(1), m.start(), m.end()))
    return out


def _slug(surname: str) -> str:
    return re.sub(r"\s+", "-", surname.strip().lower().replace("’", "'"))


def _sentence_start(text: str, pos: int) -> bool:
    """Whether only blanks stand between ``pos`` and the start of the text or a sentence-ending mark (read
    backwards from ``pos``: copying all the text before it was quadratic in a text of many candidates)."""
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] in ".!?:\n-*>|#•—–"


def _scan_author_year(text: str) -> list[SourceRef]:
    out = []
    for m in _AUTHOR_YEAR.finditer(text):
        keep = [(n, _ONE_SURNAME.match(n.group()).group())
                for n in _ONE_NAME.finditer(text, m.start("authors"), m.end("authors"))]
        while any(_stopword(s) for _, s in keep):  # "Also, Hu et al. 2021": start after the last stop word
            keep = keep[max(i for i, (_, s) in enumerate(keep) if _stopword(s)) + 1:]
        if not keep:
            continue
        initials = any(len(n.group()) > len(s) for n, s in keep)
        between = text[keep[0][0].end():keep[-1][0].start()]
        if len(keep) == 2 and not initials and not re.search(r"\b(?:and|и)\b|&", between):
            keep = keep[1:]  # "Например, Ху 2021": a two-item comma list is a word and then a surname
        year = int(m.group("year"))
        strong = bool(m.group("etal") or m.group("paren")) or len(keep) > 1 or initials
        if not (1950 <= year <= 2030 if strong else 1990 <= year <= 2030):
            continue
        start = keep[0][0].start()
        if not strong and not _CITEISH_AFTER.match(text, m.end()) and _sentence_start(text, start):
            continue  # "Using 2000 GPUs": a bare capitalised word opening a sentence is not a citation
        key = f"cite:{_slug(keep[0][1])}-{year}{m.group('suf') or ''}"
        out.append(_ref(text, "author-year", key, start, m.end()))
    return out


def wikilink_refs(text: str) -> list[SourceRef]:
    """``[[Target]]``, ``[[Target|alias]]``, ``[[Target#heading]]`` (and note embeds) → key ``note:?Target``.

    Links to a heading of the same note (``[[#h]]``) and embedded images or media are not sources.
    """
    out = []
    for link in wikilinks(text):
        if not link.target or (link.embed and _MEDIA.search(link.target)):
            continue
        out.append(_ref(text, "wikilink", "note:?" + link.target, link.start, link.end))
    return out


def _resolve(candidates: list[SourceRef]) -> list[SourceRef]:
    """Keep the most specific, then the longest, of overlapping candidates; return them in text order.
    Whether a candidate overlaps one kept is read from the characters kept (comparing it with every kept
    one was quadratic in a text of thousands of citations)."""
    chosen: list[SourceRef] = []
    taken = _Taken()
    for ref in sorted(candidates, key=lambda r: (_RANK[r.kind], r.start - r.end, r.start)):
        if taken.free(ref.start, ref.end):
            taken.take(ref.start, ref.end)
            chosen.append(ref)
    return sorted(chosen, key=lambda r: r.start)


class _Taken:
    """Characters of a text covered by spans (half-open ``[start, end)``), in a bytearray grown on demand."""

    def __init__(self):
        self.marks = bytearray()

    def free(self, start: int, end: int) -> bool:
        return 1 not in self.marks[start:end]

    def take(self, start: int, end: int) -> None:
        if len(self.marks) < end:
            self.marks.extend(bytes(end - len(self.marks)))
        self.marks[start:end] = b"\x01" * (end - start)


def find_sources(text: str, *, wikilinks: bool = False, footnotes: bool = False) -> list[SourceRef]:
    """Every citation in ``text``, non-overlapping, in order.

    Text inside ``[[...]]`` is never read as a citation. The note-local kinds are opt-in: ``wikilinks=True``
    adds the links themselves (``note:?Target``), ``footnotes=True`` adds references like ``[^3]``
    (``fn:3``, meaningful only together with ``footnote_sources`` of the same note).
    """
    links = wikilink_refs(text)
    found = _scan_marks(text, footnotes) + _scan_links(text) + _scan_author_year(text)
    blocked = _Taken()
    for r in links:
        blocked.take(r.start, r.end)
    found = [r for r in found if blocked.free(r.start, r.end)]
    return _resolve(found + (links if wikilinks else []))


def footnote_sources(note) -> dict[str, list[SourceRef]]:
    """Footnote label → the refs in its definition (offsets into ``Footnote.text``).

    A definition that is just ``[[LTM_2]]`` gives one ``wikilink`` ref keyed ``note:?LTM_2``.
    A label defined twice keeps the refs of both definitions, in file order.
    """
    out: dict[str, list[SourceRef]] = {}
    for fn in note.footnotes:
        out.setdefault(fn.label, []).extend(find_sources(fn.text, wikilinks=True))
    return out


def source_url(key: str, kind: str) -> str | None:
    """The link of a cited work (``arxiv:2106.09685`` → its abstract page), None for kinds that have none."""
    if kind not in ("url", "arxiv", "doi"):
        return None
    kind, _, value = key.partition(":")
    return {"arxiv": f"https://arxiv.org/abs/{value}", "doi": f"https://doi.org/{value}"}.get(kind, value)


def unique(refs: list[SourceRef]) -> list[SourceRef]:
    """The first ref of each key, in order (the same work cited twice counts once)."""
    seen: set[str] = set()
    return [r for r in refs if not (r.key in seen or seen.add(r.key))]
