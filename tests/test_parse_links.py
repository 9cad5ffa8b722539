"""Links, tags and code exclusion: one fixture file per edge case."""

from conftest import parse_fixture


def _links(name):
    return [(l.raw, l.target, l.line, l.heading, l.block, l.alias, l.embed) for l in parse_fixture(name).links]


def test_every_wikilink_form_with_its_line():
    assert _links("wikilink_forms.md") == [
        ("[[LoRA]]", "LoRA", 3, None, None, None, False),
        ("[[QLoRA|quantized LoRA]]", "QLoRA", 3, None, None, "quantized LoRA", False),
        ("[[RLHF#Reward hacking]]", "RLHF", 4, "Reward hacking", None, None, False),
        ("[[DPO#^pref-data]]", "DPO", 4, None, "pref-data", None, False),
        ("[[#Wiki-link forms]]", "", 5, "Wiki-link forms", None, None, False),
        ("![[Scaling laws]]", "Scaling laws", 5, None, None, None, True),
        ("![[diagram.png|300]]", "diagram.png", 6, None, None, "300", True),
        ("[[CoT#Faithfulness|why CoT lies]]", "CoT", 6, "Faithfulness", None, "why CoT lies", False),
        ("[[A]]", "A", 7, None, None, None, False),
        ("[[B]]", "B", 7, None, None, None, False),
    ]


def test_escaped_pipe_in_table_separates_alias():
    note = parse_fixture("wikilink_in_table_escaped_pipe.md")
    assert [(l.target, l.heading, l.alias, l.line, l.context) for l in note.links] == [
        ("LoRA", None, "low-rank adapters", 3, "table"),
        ("QLoRA", "Paged optimizers", "paged", 4, "table"),
        ("NF4", None, None, 4, "table"),
    ]
    assert len(note.tables) == 1 and len(note.tables[0].rows) == 2


def test_nothing_in_code_counts():
    note = parse_fixture("links_in_code_ignored.md")
    assert [l.target for l in note.links] == ["Counted", "CountedToo"]
    assert [(t.name, t.line) for t in note.tags] == [("counted", 12)]


def test_markdown_links_to_local_files():
    links = parse_fixture("markdown_links_local.md").links
    assert [(l.target, l.heading, l.embed, l.line, l.kind) for l in links] == [
        ("methods/LoRA.md", None, False, 1, "markdown"),
        ("Note With Spaces.md", "Some heading", False, 1, "markdown"),
        ("attachments/diagram.png", None, True, 3, "markdown"),
    ]


def test_tags_inline_nested_cyrillic_not_headings_or_numbers():
    tags = [(t.name, t.line) for t in parse_fixture("tags_inline_nested_cyrillic.md").tags]
    assert tags == [("lora", 3), ("nested/tag", 3), ("метод/дообучение", 3), ("LoRA_v2", 3), ("последний", 6)]


def test_crlf_note_keeps_line_numbers():
    note = parse_fixture("crlf_line_endings.md")
    assert note.line_count == 4
    assert [(l.target, l.line) for l in note.links] == [("Link", 3)]
    assert [(t.name, t.line) for t in note.tags] == [("tag", 4)]
