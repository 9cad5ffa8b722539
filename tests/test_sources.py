"""Citation finding: every kind in English and Russian, false-positive guards, overlaps, offsets, the demo vault."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from vaultgraph.extract.sources import SourceRef, find_sources, footnote_sources, unique, wikilink_refs
from vaultgraph.markdown import parse_bytes, parse_text

VAULT = Path(__file__).resolve().parent.parent / "vault"


def refs(text: str, kind: str | None = None, **kw) -> list[SourceRef]:
    found = find_sources(text, **kw)
    for r in found:
        assert text[r.start:r.end] == r.text, r
    return [r for r in found if kind is None or r.kind == kind]


def keys(text: str, kind: str | None = None, **kw) -> list[str]:
    return [r.key for r in refs(text, kind, **kw)]


@pytest.mark.parametrize("text, key, written", [
    ("см. https://github.com/huggingface/peft.", "url:https://github.com/huggingface/peft",
     "https://github.com/huggingface/peft"),
    ("(source: https://openreview.net/forum?id=nZeVKeeFYf9), p. 3", "url:https://openreview.net/forum?id=nZeVKeeFYf9",
     "https://openreview.net/forum?id=nZeVKeeFYf9"),
    ("«https://habr.com/ru/articles/774514/»;", "url:https://habr.com/ru/articles/774514/",
     "https://habr.com/ru/articles/774514/"),
    ("[docs](https://huggingface.co/docs/peft/index)", "url:https://huggingface.co/docs/peft/index",
     "https://huggingface.co/docs/peft/index"),
    ("see https://en.wikipedia.org/wiki/Attention_(ML)).", "url:https://en.wikipedia.org/wiki/Attention_(ML)",
     "https://en.wikipedia.org/wiki/Attention_(ML)"),
    ("HTTPS://GitHub.com/ — home", "url:https://github.com", "HTTPS://GitHub.com/"),
    ("fragment kept: https://github.com/huggingface/peft#readme;", "url:https://github.com/huggingface/peft#readme",
     "https://github.com/huggingface/peft#readme"),
])
def test_url(text, key, written):
    [ref] = refs(text)
    assert (ref.kind, ref.key, ref.text) == ("url", key, written)


@pytest.mark.parametrize("text, written", [
    ("LoRA (Hu et al. 2021, arXiv:2106.09685) freezes the base.", "arXiv:2106.09685"),
    ("статья arXiv: 2106.09685v2 — про низкоранговые адаптеры", "arXiv: 2106.09685v2"),
    ("arXiv preprint arXiv:2106.09685", "arXiv:2106.09685"),
    ("(arXiv 2106.09685)", "arXiv 2106.09685"),
    ("(arXiv, 2106.09685)", "arXiv, 2106.09685"),
    ("см. arxiv.org/abs/2106.09685v2.", "arxiv.org/abs/2106.09685v2"),
    ("https://arxiv.org/abs/2106.09685", "https://arxiv.org/abs/2106.09685"),
    ("[pdf](https://arxiv.org/pdf/2106.09685v1.pdf)", "https://arxiv.org/pdf/2106.09685v1.pdf"),
    ("https://doi.org/10.48550/arXiv.2106.09685.", "https://doi.org/10.48550/arXiv.2106.09685"),
    ("https://huggingface.co/papers/2106.09685", "https://huggingface.co/papers/2106.09685"),
])
def test_arxiv_forms_share_one_key(text, written):
    assert refs(text, "url") == [] and refs(text, "doi") == []  # an arXiv link is one ref, not two
    [ref] = refs(text, "arxiv")
    assert (ref.kind, ref.key, ref.text) == ("arxiv", "arxiv:2106.09685", written)


def test_arxiv_old_style_and_bare_numbers():
    assert keys("arXiv:hep-th/9901001v1 and arXiv:cs.CL/0101001") == ["arxiv:hep-th/9901001", "arxiv:cs.CL/0101001"]
    assert refs("version 2106.09685 of the table, ratio 2106.09685") == []  # no "arXiv" before it
    assert refs("arXiv 2023 review; arXiv:2113.00001 (month 13)") == []


@pytest.mark.parametrize("text, key, written", [
    ("EWC (Kirkpatrick et al. 2017, PNAS, https://doi.org/10.1073/pnas.1611835114).", "doi:10.1073/pnas.1611835114",
     "https://doi.org/10.1073/pnas.1611835114"),
    ("doi:10.1145/3442188.3445922, FAccT", "doi:10.1145/3442188.3445922", "doi:10.1145/3442188.3445922"),
    ("DOI: 10.1038/S41586-024-07566-Y.", "doi:10.1038/s41586-024-07566-y", "DOI: 10.1038/S41586-024-07566-Y"),
    ("Журнал, 10.1162/tacl_a_00638;", "doi:10.1162/tacl_a_00638", "10.1162/tacl_a_00638"),
    ("http://dx.doi.org/10.1002/(SICI)1097-4571(199009)41:6<391::AID-ASI1>3.0.CO;2-9",
     "doi:10.1002/(sici)1097-4571(199009)41:6", "http://dx.doi.org/10.1002/(SICI)1097-4571(199009)41:6"),
])
def test_doi(text, key, written):
    assert refs(text, "url") == []
    [ref] = refs(text, "doi")
    assert (ref.kind, ref.key, ref.text) == ("doi", key, written)


@pytest.mark.parametrize("text, key, written", [
    ("Wei et al. 2022 showed it", "cite:wei-2022", "Wei et al. 2022"),
    ("as Wei et al., 2022 put it", "cite:wei-2022", "Wei et al., 2022"),
    ("was shown (Hu et al., 2021).", "cite:hu-2021", "Hu et al., 2021"),
    ("Hoffmann et al. (2022) trained 400 models", "cite:hoffmann-2022", "Hoffmann et al. (2022)"),
    ("see Ouyang and Wu 2022", "cite:ouyang-2022", "Ouyang and Wu 2022"),
    ("as in Dettmers 2023.", "cite:dettmers-2023", "Dettmers 2023"),
    ("Kalai & Vempala 2023 argue", "cite:kalai-2023", "Kalai & Vempala 2023"),
    ("(Gao, Schulman, Hilton 2022, arXiv:2210.10760)", "cite:gao-2022", "Gao, Schulman, Hilton 2022"),
    ("McCloskey & Cohen (1989) для сетей", "cite:mccloskey-1989", "McCloskey & Cohen (1989)"),
    ("| Ben Zaken et al. 2021 |", "cite:ben-zaken-2021", "Ben Zaken et al. 2021"),
    ("Code Llama (Rozière et al. 2023)", "cite:rozière-2023", "Rozière et al. 2023"),
    ("Ouyang, L. et al. (2022). Training language models", "cite:ouyang-2022", "Ouyang, L. et al. (2022)"),
    ("Hu, E. J., Shen, Y., Allen-Zhu, Z., Chen, W. (2021). LoRA", "cite:hu-2021",
     "Hu, E. J., Shen, Y., Allen-Zhu, Z., Chen, W. (2021)"),
    ("Wei et al. 2022a vs 2022b", "cite:wei-2022a", "Wei et al. 2022a"),
    ("Работа Lobo, Agarwal, Lakkaraju (2024) дообучала", "cite:lobo-2024", "Lobo, Agarwal, Lakkaraju (2024)"),
    ("Ху и др., 2021 предложили", "cite:ху-2021", "Ху и др., 2021"),
    ("по данным Ху и соавт. 2021", "cite:ху-2021", "Ху и соавт. 2021"),
    ("(Иванов и Петров, 2020)", "cite:иванов-2020", "Иванов и Петров, 2020"),
    ("Например, Ху 2021 — про LoRA", "cite:ху-2021", "Ху 2021"),
    ("у Wei и др. (2022) выигрыш", "cite:wei-2022", "Wei и др. (2022)"),
    ("Also, Hu et al. 2021 froze the base", "cite:hu-2021", "Hu et al. 2021"),
])
def test_author_year(text, key, written):
    [ref] = refs(text, "author-year")
    assert (ref.key, ref.text) == (key, written)


@pytest.mark.parametrize("text", [
    "In 2022 the field moved on.", "GPT 2023 was not a thing.", "Released in January 2024.",
    "Using 2000 GPUs we trained it.", "The 2024 version is archived.", "Since 2020 nothing changed.",
    "NeurIPS 2023, ICLR 2022, JMLR 2022, Findings of ACL 2024", "Llama 2023 and Chinchilla 2022 numbers",
    "В 2023 году. Летом 2023 вышло. После 2020 года. Январь 2024.", "Kaplan-style (2020) scaling",
    "Wei et al. 1850", "Summer 2023 school", "Version 2021.3 of the tool", "Domain data audit 2025-Q2",
    "**User** - 14.08.2025 at 11:02", "created: 2025-02-11", "in Ibrahim et al. a small replay fraction",
])
def test_author_year_false_positives(text):
    assert refs(text, "author-year") == []


def test_author_year_keys_meet_across_forms():
    text = "Hu et al. 2021 and (Hu et al., 2021) and Hu, E. J. et al. (2021) and Hu and Shen 2021"
    assert set(keys(text)) == {"cite:hu-2021"} and len(keys(text)) == 4
    assert keys("Kaplan et al. 2020; Hoffmann et al. 2022") == ["cite:kaplan-2020", "cite:hoffmann-2022"]


@pytest.mark.parametrize("text, key", [
    ("подтверждают отчёты【23†L679-L685】.", "chat:23:L679-L685"),
    ("worse than SFT【47†L1-L4】【62†L1-L4】", "chat:47:L1-L4"),
    ("see【12†source】", "chat:12:source"),
    ("file search【4:0†notes.pdf】", "chat:4:0:notes.pdf"),
    ("old export [3†L2-L5] says", "chat:3:L2-L5"),
])
def test_chat_marks(text, key):
    found = refs(text, "chat-mark")
    assert found[0].key == key and found[0].text.endswith(("】", "]"))


def test_footnote_refs_are_opt_in():
    text = "LoRA freezes the base [^1], QLoRA quantises it [^q2].\n\n[^1]: Hu et al. 2021"
    assert refs(text, "footnote") == []
    assert keys(text, "footnote", footnotes=True) == ["fn:1", "fn:q2"]  # the definition line is not a reference


def test_wikilinks():
    text = "See [[LoRA]], [[methods/QLoRA|QLoRA]], [[Scaling laws#Chinchilla]], [[#Local]], ![[plot.png]], ![[RAG]]"
    assert [r.key for r in wikilink_refs(text)] == [
        "note:?LoRA", "note:?methods/QLoRA", "note:?Scaling laws", "note:?RAG"]
    for r in wikilink_refs(text):
        assert text[r.start:r.end] == r.text and r.kind == "wikilink"
    russian = wikilink_refs("[[Катастрофическое забывание|забывание]]")
    assert [r.key for r in russian] == ["note:?Катастрофическое забывание"]
    # Text inside a link is never read as a citation; the link itself comes only on request.
    text = "[[Hu 2021|Hu et al. 2021]] and [[archive/2024/RAG|RAG (2024 version)]]"
    assert refs(text) == []
    assert keys(text, wikilinks=True) == ["note:?Hu 2021", "note:?archive/2024/RAG"]


def test_overlaps_prefer_the_most_specific():
    text = "LoRA: https://arxiv.org/abs/2106.09685v2 (Hu et al. 2021), https://doi.org/10.48550/arXiv.2305.14314"
    assert [(r.kind, r.key) for r in refs(text)] == [
        ("arxiv", "arxiv:2106.09685"), ("author-year", "cite:hu-2021"), ("arxiv", "arxiv:2305.14314")]
    assert [r.kind for r in refs("https://doi.org/10.1038/nature14539")] == ["doi"]
    spans = refs("Lewis et al. 2020, arXiv:2005.11401 https://arxiv.org/abs/2005.11401【2†L1-L3】 [^2]", footnotes=True)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert [r.key for r in unique(spans)] == ["cite:lewis-2020", "arxiv:2005.11401", "chat:2:L1-L3", "fn:2"]


def test_offsets_are_exact_in_mixed_text():
    text = ("- Hu et al. 2021 (arXiv:2106.09685) — «LoRA»; см. https://github.com/microsoft/LoRA).\n"
            "> Ху и др., 2021【5†L2-L4】, doi:10.1145/3442188.3445922. [[LoRA|адаптеры]] [^7]\n")
    found = find_sources(text, wikilinks=True, footnotes=True)
    assert len(found) == 8
    for r in found:
        assert text[r.start:r.end] == r.text
    assert [r.start for r in found] == sorted(r.start for r in found)


def test_footnote_sources():
    note = parse_text(
        "Claim one [^1]. Claim two [^2]. Claim three [^3].\n\n"
        "[^1]: [[LTM_2]]\n"
        "[^2]: Ouyang, L. et al. (2022). Training language models. arXiv:2203.02155.\n"
        "[^3]: Обзор [[Катастрофическое забывание#Причины|забывание]] и https://arxiv.org/abs/2405.09673\n",
        "analyses/x.md")
    by_label = footnote_sources(note)
    assert [(r.kind, r.key) for r in by_label["1"]] == [("wikilink", "note:?LTM_2")]
    assert [r.key for r in by_label["2"]] == ["cite:ouyang-2022", "arxiv:2203.02155"]
    assert [r.key for r in by_label["3"]] == ["note:?Катастрофическое забывание", "arxiv:2405.09673"]
    texts = {fn.label: fn.text for fn in note.footnotes}
    for label, found in by_label.items():
        assert all(texts[label][r.start:r.end] == r.text for r in found)


def test_footnote_sources_on_vault_note():
    note = parse_bytes((VAULT / "methods" / "LoRA.md").read_bytes(), "methods/LoRA.md")
    by_label = footnote_sources(note)
    assert {r.key for r in by_label["1"]} == {"cite:hu-2021", "arxiv:2106.09685"}
    assert {r.key for r in by_label["2"]} == {"cite:biderman-2024", "arxiv:2405.09673"}


def test_vault_sweep(capsys):
    counts: Counter[str] = Counter()
    for path in sorted(VAULT.rglob("*.md")):
        note = parse_bytes(path.read_bytes(), path.relative_to(VAULT).as_posix())
        for r in find_sources(note.text, wikilinks=True, footnotes=True):
            assert note.text[r.start:r.end] == r.text
            counts[r.kind] += 1
    with capsys.disabled():
        print("\nsources in vault:", dict(sorted(counts.items())))
    assert counts["arxiv"] >= 5 and counts["author-year"] >= 10 and counts["url"] >= 1
    assert counts["doi"] >= 1 and counts["chat-mark"] >= 1 and counts["wikilink"] >= 1 and counts["footnote"] >= 1
