"""Effect direction from wording, in Russian and English, and table columns by header meaning."""

from __future__ import annotations

import re

_NEGATIVE = re.compile(
    r"(?<!\w)(degrad|hurt|harm|collaps|drift|forget|overfit|wors|drop|declin|lose|loses|losing|loss of|"
    r"suppress|damag|unstab|instab|hack|exploit|unfaith|erod|sacrific|brittle|fail|reduc\w* diversity|"
    r"сниж|ухудш|дрейф|забыв|переобуч|коллапс|деград|теря|потер|подав|поврежд|повред|лома|наруш|ослаб|"
    r"нестабил|падени|пада|вред|искаж|галлюцин|разруш|провал)",
    re.IGNORECASE)
_POSITIVE = re.compile(
    r"(?<!\w)(improv|boost|increas|enhanc|better|gain|outperform|preserv|retain|stabili|match|"
    r"улучш|повыш|увелич|сохран|стабилиз|усил|помога|превосход)",
    re.IGNORECASE)
_RISK_WORDS = re.compile(r"(?<!\w)(risk|danger|pitfall|риск|опасн|угроз)", re.IGNORECASE)
# Metrics where a fall is good news: "↓ perplexity" improves, "↑ cost" degrades.
_LOWER_IS_BETTER = re.compile(
    r"perplex|loss|cost|memory|vram|latency|error|hallucin|compute|перплекс|затрат|памят|стоим|ошиб|галлюцин|"
    r"задержк|ресурс", re.IGNORECASE)


def direction(text: str) -> str | None:
    """"degrades", "improves" or None, from wording and ↑/↓ arrows."""
    score = 0
    for match in re.finditer(r"([↑↓])\s*([^,;↑↓]{0,30})", text):
        up = match.group(1) == "↑"
        if _LOWER_IS_BETTER.search(match.group(2)):
            up = not up
        score += 1 if up else -1
    negative = len(_NEGATIVE.findall(text))
    positive = len(_POSITIVE.findall(text))
    score += positive - negative
    if score < 0 or (negative and score == 0):
        return "degrades"
    if score > 0:
        return "improves"
    return None


def is_negative(text: str) -> bool:
    return bool(_NEGATIVE.search(text) or _RISK_WORDS.search(text))


_COLUMNS = (
    ("number", re.compile(r"^(№|#|no\.?|n)$", re.IGNORECASE)),
    ("method", re.compile(r"метод|method|подход|approach|technique|техник", re.IGNORECASE)),
    ("effect", re.compile(r"эффект|effect|результат|result|impact|metric|метрик|влияни", re.IGNORECASE)),
    ("cost", re.compile(r"стоимост|cost|ресурс|resource|затрат|compute|цена", re.IGNORECASE)),
    ("source", re.compile(r"источник|source|работа|paper|reference|citation|ссылк|статья", re.IGNORECASE)),
    ("notes", re.compile(r"примечан|note|коммент|comment|замечан", re.IGNORECASE)),
    ("risk", re.compile(r"риск|risk|недостат|drawback|limitation|огранич", re.IGNORECASE)),
)


def column_meaning(header: str) -> str:
    for meaning, pattern in _COLUMNS:
        if pattern.search(header.strip()):
            return meaning
    return "other"


def is_question(text: str) -> bool:
    """Every sentence of ``text`` ends with a question mark: it asks, it states nothing."""
    sentences = [x for x in re.split(r"(?<=[.!?…])\s+", text.strip()) if x]
    return bool(sentences) and all(x.rstrip("»\"')]*").endswith("?") for x in sentences)
