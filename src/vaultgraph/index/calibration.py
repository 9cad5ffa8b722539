"""How close an unrelated question gets to this vault's passages: the dense half of the relevance decision.

A similarity means nothing on its own: it depends on the model, the vault's languages and how long its
passages are. So every vault is measured at index time: ``BANK`` holds everyday questions on a hundred
topics, in English and Russian, none of which a research vault is about, and each is embedded and searched.
The median of their best similarities (``mid``) and its 90th percentile (``high``) are what an unrelated
question reaches in *this* vault; ``query/relevance.py`` reads a passage's similarity against them. A
vault about one of the bank's topics (a kitchen notebook has the rice and the paint questions) moves the
percentiles little: no one vault is about more than a few of the hundred topics.
"""

from __future__ import annotations

import numpy as np

BANK = (
    "how do I renew a driving licence", "what is the boiling point of water at high altitude",
    "best way to learn to play the guitar", "how many moons does Jupiter have",
    "what causes inflation in an economy", "how to set up a home wifi network",
    "who wrote the theory of general relativity", "how to train a puppy to sit",
    "what are the symptoms of dehydration", "how long does paint take to dry",
    "how to write a cover letter for a job", "rules of chess castling", "how to reduce stress before an exam",
    "what is the tallest mountain in Africa", "how to descale a kettle", "how do vaccines work",
    "what is compound interest", "how to make a paper airplane", "how does a refrigerator keep food cold",
    "what is the difference between a virus and a bacterium", "how to grow basil indoors",
    "how to file a tax return", "what is photosynthesis", "how to tie a tie", "why is the sky blue",
    "how do solar panels generate electricity", "how to negotiate a salary", "what is a mortgage",
    "how to remove a red wine stain", "how do airplanes stay in the air", "what language is spoken in Brazil",
    "how to start running as a beginner", "how to back up photos on a phone", "what is a black hole",
    "how to brew coffee with a french press", "how do I reset a forgotten password",
    "when was the printing press invented", "how does the stock market work", "how to care for a cactus",
    "how to improve sleep quality", "how to cook rice without a rice cooker", "how to install a ceiling fan",
    "what is blockchain", "what are the rules of tennis scoring", "how to write a python function",
    "how to plan a wedding on a budget", "how to fix a squeaky door hinge", "what is the speed of light",
    "how to meditate", "what is a haiku",
    "как получить загранпаспорт", "почему небо голубое", "как научиться играть на гитаре",
    "сколько спутников у Юпитера", "что такое инфляция", "как настроить домашний роутер",
    "кто написал теорию относительности", "как приучить щенка к команде сидеть", "симптомы обезвоживания",
    "сколько сохнет краска на стене", "как написать сопроводительное письмо", "правила рокировки в шахматах",
    "как справиться со стрессом перед экзаменом", "самая высокая гора Африки", "как удалить накипь из чайника",
    "как работают вакцины", "что такое сложный процент", "как сделать бумажный самолётик",
    "как работает холодильник", "чем вирус отличается от бактерии", "как вырастить базилик на подоконнике",
    "как заполнить налоговую декларацию", "что такое фотосинтез", "как завязать галстук",
    "как работают солнечные батареи", "как попросить повышение зарплаты", "что такое ипотека",
    "как вывести пятно от красного вина", "почему самолёт держится в воздухе", "на каком языке говорят в Бразилии",
    "как начать бегать с нуля", "как сохранить фотографии с телефона", "что такое чёрная дыра",
    "как заварить кофе во френч-прессе", "как сбросить забытый пароль", "когда изобрели книгопечатание",
    "как работает фондовый рынок", "как ухаживать за кактусом", "как улучшить сон",
    "как сварить рис без рисоварки", "как повесить потолочный вентилятор", "что такое блокчейн",
    "правила подсчёта очков в теннисе", "как написать функцию на питоне",
    "как спланировать свадьбу с небольшим бюджетом", "как убрать скрип двери", "какова скорость света",
    "как медитировать", "что такое хайку",
)


class Calibration:
    """(median, 90th percentile) of the best similarity each ``BANK`` question reaches among the passage
    vectors, seen a chunk at a time (``see``); (1.0, 1.0) for an empty vault: nothing is close."""

    def __init__(self, embedder):
        self.queries = embedder.embed_batch([embedder.query_prefix + q for q in BANK])
        self.best = np.full(len(self.queries), -np.inf, dtype=np.float32)

    def see(self, vectors: np.ndarray) -> None:
        if len(vectors):
            for start in range(0, len(self.queries), 16):
                part = (self.queries[start:start + 16] @ vectors.T).max(axis=1)
                np.maximum(self.best[start:start + 16], part, out=self.best[start:start + 16])

    def result(self) -> tuple[float, float]:
        if not np.isfinite(self.best).all():
            return 1.0, 1.0
        return float(np.median(self.best)), float(np.quantile(self.best, 0.9))


__all__ = ["BANK", "Calibration"]
