"""How much a question word tells (``query.coverage.telling``) is read from wordfreq's small lists, which load
in a hundredth of a second: the weights must be exactly those its large lists give."""

from __future__ import annotations

import pytest
from wordfreq import get_frequency_dict, zipf_frequency

from vaultgraph.query.coverage import COMMON_ZIPF, GENERAL_FLOOR, ZIPF_SPAN, telling

MILLIONTH = 1e-6  # Zipf 3


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_small_list_is_the_large_list_above_zipf_3(lang):
    large, small = get_frequency_dict(lang, "large"), get_frequency_dict(lang, "small")
    above = {w: f for w, f in large.items() if f > MILLIONTH}
    assert small == above  # the same words at the same frequencies
    assert COMMON_ZIPF - ZIPF_SPAN <= 3.0  # … and every rarer word is fully telling either way


def _from_large(word: str) -> float:
    lang = "ru" if "\u0400" <= word[:1] <= "\u04ff" else "en"
    return float(min(1.0, max(GENERAL_FLOOR, (COMMON_ZIPF - zipf_frequency(word, lang)) / ZIPF_SPAN)))


@pytest.mark.parametrize("word", [
    "the", "go", "wrong", "lora", "rlhf", "fine", "tuning", "catastrophic", "forgetting", "sourdough", "gpt4", "7b",
    "int8", "2024", "16", "llama", "qlora", "после", "что", "дообучение", "закваска", "риски", "цепочки",
    "рассуждений", "ёлка", "gpt", "xyzzyq", "q4", "к", "a"])
def test_weights_equal_the_large_lists(word):
    assert telling(word) == _from_large(word)
    assert GENERAL_FLOOR <= telling(word) <= 1.0


def test_common_words_tell_little_rare_ones_fully():
    assert telling("the") == GENERAL_FLOOR
    assert telling("что") < 0.3
    assert telling("закваска") == 1.0 and telling("qlora") == 1.0


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_word_of_the_small_lists_reads_as_wordfreq_reads_it(lang):
    from vaultgraph.query.general import zipf

    words = list(get_frequency_dict(lang, "small"))
    odd = ["", "LoRA", "gpt4", "7b", "ёлка", "naïve", "über", "x-y", "дообучение2", "αβ", "ЛОРА", "lora", "zzzqqq"]
    for word in words + odd:
        assert zipf(word, lang) == zipf_frequency(word, lang, wordlist="small"), word
