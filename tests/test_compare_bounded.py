"""`kg compare` shows a bounded number of statements a cell, best first, and says how many more the vault holds.

A vault written here: "Adapter soup" has 15 risks (the last three cite a paper), one of them said again in another
note; "Weight surgery" has two. The default table shows 6 a cell, sourced risks first, then in the note's order;
`--all` shows all 15; `--limit N` N; the JSON carries each cell's total; every statement shown cites path:line.
"""

import json
from pathlib import Path

import pytest
from conftest import run_kg

UNSOURCED = [f"Adapter soup risk {i}: merging adapters number {i} can erase the skill of task {i} in the merged model."
             for i in range(1, 13)]
SOURCED = [f"Adapter soup risk {i}: soups of {i} adapters overfit the merge weights to the validation split "
           f"(arXiv:2401.{i:05d})." for i in range(13, 16)]


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bounded") / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "methods").mkdir()
    (root / "notes").mkdir()
    (root / "methods" / "Adapter soup.md").write_text(
        "---\ntype: method\n---\n# Adapter soup\n\n## Risks\n\n" + "".join(f"- {r}\n" for r in UNSOURCED + SOURCED),
        encoding="utf-8")
    (root / "methods" / "Weight surgery.md").write_text(
        "---\ntype: method\n---\n# Weight surgery\n\n## Risks\n\n"
        "- Weight surgery can break the tokenizer embeddings of rare words.\n"
        "- Weight surgery leaves dead neurons that no later fine-tuning revives.\n", encoding="utf-8")
    (root / "notes" / "Soup log.md").write_text(f"# Soup log\n\n## Risks\n\n- {UNSOURCED[0]}\n", encoding="utf-8")
    run_kg("index", str(root), cwd=root.parent)
    return root


def compare(vault: Path, *options: str) -> dict:
    out = run_kg("compare", "Adapter soup", "Weight surgery", "--vault", str(vault), "--json", *options,
                 cwd=vault.parent).stdout
    return json.loads(out)


def risks(table: dict) -> dict:
    return next(r for r in table["rows"] if r["aspect"] == "risks")


def assert_cites_its_lines(vault: Path, item: dict) -> None:
    assert item["citations"]
    for c in item["citations"]:
        lines = (vault / c["path"]).read_text(encoding="utf-8").split("\n")
        assert item["text"] in "\n".join(lines[c["line"] - 1:c["end_line"]]), (item["text"], c)


def test_a_cell_shows_the_best_six_and_counts_the_rest(vault):
    table = compare(vault)
    row = risks(table)
    shown = [i["text"] for i in row["cells"]["Adapter soup"]]
    assert shown == SOURCED + UNSOURCED[:3]  # sourced first, then in the note's order
    assert row["totals"] == {"Adapter soup": 15, "Weight surgery": 2}  # the repeated risk is one statement
    assert len(row["cells"]["Weight surgery"]) == 2
    repeated = next(i for i in row["cells"]["Adapter soup"] if i["text"] == UNSOURCED[0])
    assert [(c["path"], c["line"]) for c in repeated["citations"]] == [("methods/Adapter soup.md", 8),
                                                                      ("notes/Soup log.md", 5)]
    for r in table["rows"]:
        assert set(r["totals"]) == set(table["methods"])
        for method, items in r["cells"].items():
            assert len(items) <= 6 and r["totals"][method] >= len(items)
            for item in items:
                if r["aspect"] != "sources":
                    assert_cites_its_lines(vault, item)


def test_all_shows_every_statement_and_the_bound_is_its_beginning(vault):
    every = compare(vault, "--all")
    row = risks(every)
    assert [i["text"] for i in row["cells"]["Adapter soup"]] == SOURCED + UNSOURCED
    assert row["totals"]["Adapter soup"] == 15
    for item in row["cells"]["Adapter soup"]:
        assert_cites_its_lines(vault, item)
    three = risks(compare(vault, "--limit", "3"))
    assert three["cells"]["Adapter soup"] == row["cells"]["Adapter soup"][:3]
    assert three["totals"] == row["totals"]


def test_text_and_markdown_say_how_many_more(vault):
    text = run_kg("compare", "Adapter soup", "Weight surgery", "--vault", str(vault), cwd=vault.parent).stdout
    assert "+9 more (kg compare --all)" in text
    assert "methods/Adapter soup.md:20" in text  # the first sourced risk, cited path:line
    assert "Adapter soup.md:14" not in text  # the 7th unsourced risk is not shown …
    every = run_kg("compare", "Adapter soup", "Weight surgery", "--all", "--vault", str(vault), cwd=vault.parent).stdout
    assert "Adapter soup.md:19" in every and "more (kg compare --all)" not in every  # … until asked for
    markdown = run_kg("compare", "Adapter soup", "Weight surgery", "--markdown", "--limit", "2", "--vault", str(vault),
                      cwd=vault.parent).stdout
    line = next(x for x in markdown.split("\n") if x.startswith("| risks |"))
    assert "+13 more (`kg compare --all`)" in line
    assert line.count("<br>") == 3  # 2 statements and the count | the other method's 2 statements


def test_a_limit_below_one_is_refused_in_one_line(vault):
    result = run_kg("compare", "Adapter soup", "Weight surgery", "--limit", "0", "--vault", str(vault),
                    cwd=vault.parent, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_edits_move_a_statement_as_a_fresh_index_would(tmp_path):
    """Each claim keeps its place in a cell from index time: an edit that cites a paper for one risk, deletes
    another and removes the note that repeated a third moves them as a fresh index of the edited vault does."""
    import shutil

    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "Adapter soup.md").write_text(
        "---\ntype: method\n---\n# Adapter soup\n\n## Risks\n\n" + "".join(f"- {r}\n" for r in UNSOURCED[:8]),
        encoding="utf-8")
    (root / "Soup log.md").write_text(f"# Soup log\n\n## Risks\n\n- {UNSOURCED[7]}\n", encoding="utf-8")
    (root / "Weight surgery.md").write_text("---\ntype: method\n---\n# Weight surgery\n\n## Risks\n\n"
                                            "- Weight surgery can break the tokenizer embeddings of rare words.\n",
                                            encoding="utf-8")
    run_kg("index", str(root), cwd=tmp_path)
    before = risks(compare(root, "--all"))
    assert [i["text"] for i in before["cells"]["Adapter soup"]] == UNSOURCED[:8]
    assert len(before["cells"]["Adapter soup"][7]["citations"]) == 2  # said in both notes
    edited = UNSOURCED[:2] + [UNSOURCED[2].rstrip(".") + " (arXiv:2402.00001)."] + UNSOURCED[4:8]  # 4th deleted
    (root / "Adapter soup.md").write_text(
        "---\ntype: method\n---\n# Adapter soup\n\n## Risks\n\n" + "".join(f"- {r}\n" for r in edited),
        encoding="utf-8")
    (root / "Soup log.md").unlink()
    run_kg("index", str(root), cwd=tmp_path)
    after = risks(compare(root, "--all"))
    assert [i["text"] for i in after["cells"]["Adapter soup"]][0] == edited[2]  # sourced now: first
    assert UNSOURCED[3] not in [i["text"] for i in after["cells"]["Adapter soup"]]
    assert len(after["cells"]["Adapter soup"][-1]["citations"]) == 1
    shutil.rmtree(root / ".kg")
    run_kg("index", str(root), cwd=tmp_path)
    assert risks(compare(root, "--all")) == after


def test_an_index_of_the_earlier_claim_order_layout_is_upgraded_by_the_next_index(vault, tmp_path):
    """An index written by the kg before claim_order held statement ids (its text keys, reason_version 2): `kg compare`
    asks for `kg index` in one line, which drops the old table, extracts the notes again and gives the same table."""
    import shutil
    import sqlite3

    old = tmp_path / "vault"
    shutil.copytree(vault, old)
    expected = compare(vault, "--all")
    with sqlite3.connect(old / ".kg" / "index.sqlite") as conn:
        conn.execute("DROP TABLE claim_order")
        conn.execute("CREATE TABLE claim_order (row INTEGER PRIMARY KEY, nav INTEGER NOT NULL, rk TEXT NOT NULL, "
                     "skey TEXT NOT NULL)")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'reason_version'")  # and so its graph signature
        conn.execute("UPDATE meta SET value = 'of reason_version 2' WHERE key = 'graph_signature'")
    stale = run_kg("compare", "Adapter soup", "Weight surgery", "--vault", str(old), cwd=tmp_path, check=False)
    assert stale.returncode != 0 and "run `kg index`" in stale.stderr and "Traceback" not in stale.stderr
    assert "the reasoning's edges changed" in run_kg("index", str(old), cwd=tmp_path).stdout
    assert compare(old, "--all") == expected
