"""A table that asks a question in a column and answers it with marks: each row's answer is a statement."""

import json

from conftest import fixture_vault, parse_fixture, run_kg

from vaultgraph.extract.units import fact_meaning, units


def test_each_marked_cell_becomes_a_statement_at_its_rows_line():
    facts = [u for u in units(parse_fixture("table_marks_question_header.md")) if u.origin == "fact"]
    by_text = {u.text: u.line for u in facts}
    assert by_text["Способ: Кэш префикса — Снижает задержку?: да"] == 5
    assert by_text["Способ: Кэш префикса — Нужен GPU?: нет"] == 5
    assert by_text["Способ: Увеличение батча — Нужен GPU?: частично"] == 7
    assert len(facts) == 6  # the notes column and the year table ("↑ interest in …" is a statement) give none
    assert [fact_meaning(t) for t in sorted(by_text)][:1] and fact_meaning("a plain sentence") is None


def test_which_do_gets_the_yeses_first_and_which_do_not_the_noes(tmp_path):
    root = fixture_vault(tmp_path / "vault", {"table_marks_question_header.md": "Способы ускорить ответ.md"})
    run_kg("index", str(root))

    def lines(question):
        data = json.loads(run_kg("ask", question, "--vault", str(root), "--json").stdout)
        return [a["citations"][0]["line"] for a in data["answers"]], data

    yes, data = lines("какие способы снижают задержку")
    assert yes[:2] and set(yes[:2]) == {5, 6}, data["answers"]
    assert all(c["line"] == a["citations"][0]["line"] for a in data["answers"] for c in a["citations"][:1])
    no, data = lines("какие способы не снижают задержку")
    assert no and no[0] == 7, data["answers"]
