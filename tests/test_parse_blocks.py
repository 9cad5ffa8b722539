"""Frontmatter, sections, footnotes, callouts, chat messages, tables, fields and block ids."""

from conftest import parse_fixture


def test_frontmatter_keeps_every_key_and_block_scalars():
    note = parse_fixture("frontmatter_block_scalars.md")
    fm = note.frontmatter
    assert set(fm) == {"title", "tags", "aliases", "created", "updated", "Receptor", "related"}
    assert fm["created"] == "2025-03-04" and fm["updated"] == "2025-03-05T10:15:00"
    assert "### Not a heading (inside YAML)" in fm["Receptor"]
    assert note.aliases == ("Approaches", "Подходы")
    assert [(t.name, t.source) for t in note.tags] == [("fine-tuning", "frontmatter"), ("quoted-tag", "frontmatter")]
    assert note.frontmatter_lines == (1, 15)
    # the YAML block is not Markdown: no section from "### Not a heading", no inline tag from it
    assert [s.title for s in note.sections] == ["Body"]
    assert [(l.target, l.context) for l in note.links] == [("not a body link", "frontmatter"), ("LoRA", "frontmatter")]


def test_frontmatter_tags_as_string():
    note = parse_fixture("frontmatter_tags_string.md")
    assert [t.name for t in note.tags] == ["lora", "qlora"]
    assert note.aliases == ("Single alias",)


def test_malformed_yaml_warns_with_line_and_body_survives():
    note = parse_fixture("frontmatter_malformed.md")
    assert len(note.warnings) == 1
    warning = note.warnings[0]
    assert warning.path == "frontmatter_malformed.md" and warning.line in (3, 4)
    assert "malformed YAML" in warning.message
    assert note.frontmatter["description"] == "still readable"  # salvaged
    assert [s.title for s in note.sections] == ["Body survives"]
    assert [l.target for l in note.links] == ["Link"]


def test_yaml_bomb_is_refused_not_expanded():
    note = parse_fixture("frontmatter_yaml_bomb.md")
    assert note.warnings and "alias bomb" in note.warnings[0].message
    assert note.frontmatter.get("title") == "bomb"
    assert [l.target for l in note.links] == ["Safe"]


def test_sections_with_line_ranges_and_paths():
    sections = [(s.title, s.level, s.line, s.end_line, s.path, s.callout)
                for s in parse_fixture("sections_nested.md").sections]
    assert sections == [
        ("One", 1, 3, 9, ("One",), None),
        ("One.A", 2, 5, 6, ("One", "One.A"), None),
        ("One.B", 2, 8, 9, ("One", "One.B"), None),
        ("Two", 1, 10, 15, ("Two",), None),
        ("Inside box", 2, 12, 13, ("Two", "Inside box"), 0),
    ]


def test_footnotes_refs_definitions_and_missing():
    note = parse_fixture("footnotes.md")
    assert [(r.label, r.line) for r in note.footnote_refs] == [("1", 3), ("2", 3)]
    assert [(f.label, f.line) for f in note.footnotes] == [("1", 7), ("2", 8), ("3", 9)]
    assert note.footnotes[0].text.startswith("[[LoRA paper]]")
    assert [(l.target, l.context) for l in note.links] == [("LoRA paper", "footnote"), ("Unreferenced but kept", "footnote")]
    # [^9] is referenced but never defined: markdown-it does not see it as a footnote, so no warning either way
    assert all("[^1]" not in w.message for w in note.warnings)


def test_callouts_type_title_fold_nesting():
    callouts = [(c.type, c.title, c.fold, c.line, c.end_line, c.depth)
                for c in parse_fixture("callouts_types_fold.md").callouts]
    assert callouts == [
        ("warning", "Narrow data", None, 1, 2, 1),
        ("note", "Folded title", "-", 4, 5, 1),
        ("tip", "", "+", 7, 8, 1),
        ("risk", "Nested", None, 10, 12, 1),
        ("solution", "Inner", None, 11, 12, 2),
    ]


def test_chat_export_messages_headings_and_table_inside_callout():
    note = parse_fixture("chat_export.md")
    assert [(m.role, m.author, m.timestamp, m.uid, m.line, m.end_line) for m in note.messages] == [
        ("user", "User", "2025-07-18T17:09", "11111111-aaaa-bbbb-cccc-000000000001", 1, 3),
        ("assistant", "Assistant", "2025-07-18T17:10", "11111111-aaaa-bbbb-cccc-000000000002", 5, 17),
    ]
    assert [(s.title, s.line, s.end_line, s.callout) for s in note.sections] == [
        ("Кратко", 6, 7, 1), ("Таблица", 9, 16, 1), ("Вывод", 15, 16, 1)]
    table = note.tables[0]
    assert table.header == ("Метод", "Память") and table.callout == 1
    assert [(r.line, r.cells) for r in table.rows] == [(12, ("LoRA", "низкая")), (13, ("Full FT", "высокая"))]


def test_table_rows_keep_their_lines():
    table = parse_fixture("table_with_lines.md").tables[0]
    assert (table.line, table.end_line) == (3, 7)
    assert table.header[1] == "Метод"
    assert [(r.line, r.cells[1]) for r in table.rows] == [(5, "LoRA"), (6, "RLHF"), (7, "DPO")]
    assert "mode collapse" in table.rows[1].cells[2]


def test_dataview_inline_fields():
    fields = [(f.key, f.value, f.line, f.bracketed) for f in parse_fixture("inline_fields.md").fields]
    assert fields == [
        ("method", "[[LoRA]]", 3, False),
        ("risk", "[[Catastrophic forgetting]]", 4, False),
        ("mitigates", "[[Replay of general data]]", 5, False),
        ("source", "arXiv:2106.09685", 6, False),
        ("cost", "low", 7, True),
        ("effect", "keeps quality", 7, True),
    ]


def test_a_sentence_ending_in_a_hidden_field_is_no_field_line():
    # A full-line key holds no parenthesis: "…tasks. (cost:: low)" is a sentence and a hidden field
    note = parse_fixture("field_after_sentence.md")
    assert [(f.key, f.value, f.line, f.bracketed) for f in note.fields] == [
        ("cost", "low", 3, True), ("risk", "[[Quantization error]]", 4, True), ("status", "draft", 5, True)]
    (block,) = note.blocks
    assert block.field_lines == ()
    assert [block.text[a:b] for a, b in block.markup] == [
        "(cost:: low)", "(risk:: [[Quantization error]])", "#qlora", "#lora", "#adapters", "[status:: draft]"]


def test_block_ids():
    ids = [(b.id, b.line, b.start_line) for b in parse_fixture("block_ids.md").block_ids]
    assert ids == [("forgets-less", 1, 1), ("item-1", 3, 3), ("multi", 6, 5)]
