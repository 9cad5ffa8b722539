"""What a question gives: ``Result`` and its ``Answer``s, with ``to_dict()`` exactly the JSON ``kg ask --json``
prints. Kept apart from the ranking (``query.answer``) so that a process printing an answer it was sent
(``kg ask`` through a running ``kg serve``) imports no search code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Citation


@dataclass(frozen=True)
class Answer:
    role: str
    text: str
    score: float
    citations: tuple[Citation, ...]
    sources: tuple[str, ...]
    author: str = "user"  # "assistant" when the vault holds it as text an assistant wrote
    inherited_from: str | None = None  # the broader concept whose claim this is

    def to_dict(self) -> dict:
        data = {"role": self.role, "text": self.text, "score": round(self.score, 6),
                "citations": [c.to_dict() for c in self.citations], "sources": list(self.sources)}
        if self.inherited_from:
            data["inherited_from"] = self.inherited_from
        return data


@dataclass(frozen=True)
class Result:
    question: str
    intent: str
    entities: tuple[tuple[str, str], ...]  # (concept id, label)
    answers: tuple[Answer, ...]
    notices: tuple[str, ...] = ()  # stale index, dense search off, …
    comparison: object | None = None  # reason.Comparison, when the question compares methods
    explanation: object | None = None  # reason.Explanation, when it asks why one thing affects another

    def to_dict(self) -> dict:
        data = {"question": self.question, "intent": self.intent,
                "entities": [{"id": i, "label": label} for i, label in self.entities],
                "answers": [a.to_dict() for a in self.answers]}
        if self.comparison is not None:
            data["comparison"] = self.comparison.to_dict()
        if self.explanation is not None:
            data["paths"] = self.explanation.to_dict()["paths"]
        return data
