"""What kind of answer a question asks for, in Russian or English.

Cue phrases are compared stem by stem (``text.words.stem``), so «последствия», «последствиям» and
"consequences" all find *consequence*. The first intent in ``ORDER`` with a cue in the question wins:
"how to avoid reward hacking" asks for solutions, not for the risk it names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text.words import stem as _stem

INTENTS = ("risk", "problem", "consequence", "solution", "evidence", "cost", "comparison", "definition",
           "explanation", "open")

_CUES: dict[str, tuple[str, ...]] = {
    "comparison": ("vs", "versus", "compare", "comparison", "compared", "difference between", "differ from",
                   "better than", "worse than", "сравни", "сравнение", "сравнить", "против",
                   "отличие", "отличается", "разница", "лучше чем", "хуже чем"),
    "explanation": ("why does", "why do", "why is", "why would", "how does it affect", "affect",
                    "affects", "impact on", "influence", "почему", "как влияет", "влияет ли", "влияет",
                    "каким образом", "из-за чего"),
    "solution": ("how to", "how can", "how do i", "how should", "fix", "solve", "solution", "mitigate",
                 "mitigation", "avoid", "prevent", "reduce", "counter", "remedy", "protect", "best practice",
                 "what helps", "what to do", "restore", "recover", "preserve", "keep", "maintain", "как решить", "как избежать", "как бороться", "как снизить",
                 "как защитить", "решение", "решения", "что делать", "смягчить", "предотвратить", "избежать",
                 "бороться", "помогает", "защита", "восстановить", "сохранить", "вернуть", "уберечь"),
    "consequence": ("consequence", "consequences", "what happens if", "what happens when", "lead to", "leads to",
                    "result in", "implication", "implications", "последствия", "последствие", "чем грозит",
                    "к чему приводит", "что будет", "чем опасно", "приводит"),
    "problem": ("problem", "problems", "issue", "issues", "what goes wrong", "goes wrong", "go wrong", "failure mode",
                "проблема", "проблемы", "в чём суть", "в чем суть", "что не так", "что ломается"),
    "risk": ("risk", "risks", "danger", "dangers", "downside", "downsides", "drawback", "drawbacks", "harm",
             "hurt", "hurts", "degrade", "degrades", "break", "breaks", "side effect", "side effects", "pitfall",
             "pitfalls", "weakness", "weaknesses", "limitation", "limitations", "failure", "риск", "риски",
             "опасность", "опасен", "опасна", "опасно", "опасны", "вред", "вредит", "ухудшает", "ломает", "недостаток", "недостатки", "минусы",
             "подводные камни", "ограничения", "слабые места"),
    "cost": ("cost", "costs", "memory", "vram", "gpu", "gpus", "compute", "expensive", "cheap", "cheaper",
             "price", "flops", "budget", "requires", "need to train", "to serve", "how much", "how many", "hardware", "latency", "throughput", "speed", "faster",
             "стоимость", "стоит", "сколько", "память", "памяти", "дорого", "дешевле", "ресурсы", "вычисления",
             "затраты", "цена", "обходится", "требует", "видеопамять", "скорость", "быстрее"),
    "evidence": ("evidence", "source", "sources", "paper", "papers", "who showed", "who found", "study",
                 "studies", "cite", "citation", "reference", "references", "proof", "according to", "shown by",
                 "experiment", "experiments", "источник", "источники", "доказательства", "статья", "статьи",
                 "кто показал", "исследование", "исследования", "ссылки", "подтверждение", "эксперимент",
                 "эксперименты"),
    "definition": ("what is", "what are", "what's", "define", "definition", "meaning of", "explain", "overview",
                   "what does it do", "how it works", "что такое", "определение", "что значит", "объясни", "что это",
                   "суть", "как устроен", "как устроена", "как устроено", "как работает", "принцип работы"),
}
ORDER = ("comparison", "solution", "consequence", "explanation", "problem", "risk", "cost", "evidence",
         "definition")
_SPLIT = re.compile(r"[^\W_]+|[?]", re.UNICODE)


@lru_cache(maxsize=1)
def _cues() -> dict[str, tuple[tuple[str, ...], ...]]:
    return {intent: tuple(tuple(_stem(w) for w in _SPLIT.findall(cue)) for cue in cues)
            for intent, cues in _CUES.items()}


def _has(words: tuple[str, ...], cue: tuple[str, ...]) -> bool:
    n = len(cue)
    return any(words[i:i + n] == cue for i in range(len(words) - n + 1))


def cue_stems(question: str) -> set[str]:
    """The stems of the cue phrases the question holds (whatever intent they are cues of)."""
    words = tuple(_stem(w) for w in _SPLIT.findall(question) if w != "?")
    present = set(words)
    return {w for cue in _all_cues() if cue[0] in present and _has(words, cue) for w in cue}


@lru_cache(maxsize=1)
def _all_cues() -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(cue for cues in _cues().values() for cue in cues))


def candidates(question: str) -> list[str]:
    """Every intent with a cue in the question, most specific first, ending with ``open``."""
    words = tuple(_stem(w) for w in _SPLIT.findall(question) if w != "?")
    cues = _cues()
    return [i for i in ORDER if any(_has(words, cue) for cue in cues[i])] + ["open"]


def classify(question: str, entities: int = 0) -> str:
    """One of ``INTENTS``. A comparison or an explanation needs two concepts to relate; with fewer the
    next cue decides; two concepts joined by "or" with no other cue ask for a comparison ("how does LoRA affect memory" with one concept asks about its cost), and a "why"
    about one thing asks what the problem is («почему после RLHF все ответы одинаковые»)."""
    found = candidates(question)
    for intent in found:
        if intent in ("comparison", "explanation") and entities < 2:
            continue
        if intent == "open" and "explanation" in found:
            return "problem"
        if intent == "open" and entities >= 2 and _ALTERNATIVE.search(question):
            return "comparison"  # two concepts joined by "or" and nothing else asked: «LoRA или полное дообучение»
        return intent
    return "open"


_ALTERNATIVE = re.compile(r"(?<!\w)(or|или|либо)(?!\w)", re.IGNORECASE)
