"""A vault whose folder name holds characters a URI gives a meaning to ("#", "?", "%", spaces) is read like any other:
the read-only connections name the index file by a percent-encoded URI, not by the start of its path."""

from __future__ import annotations

import json

import pytest
from conftest import demo_copy, run_kg


@pytest.mark.parametrize("name", ["notes #1", "why? 100% sure"])
def test_a_vault_folder_named_with_uri_characters_answers(tmp_path, name):
    vault = demo_copy(tmp_path / name / "vault", index=True)
    env = {"KG_SERVER": "0"}
    status = json.loads(run_kg("status", "--vault", str(vault), "--json", env=env).stdout)
    assert status["notes"] > 40 and status["search"]["passages"] > 500
    answer = json.loads(run_kg("ask", "risks of LoRA on CoT", "--vault", str(vault), "--json", env=env).stdout)
    assert answer["answers"] and all(a["citations"] for a in answer["answers"])
    table = json.loads(run_kg("compare", "LoRA", "DPO", "--vault", str(vault), "--json", env=env).stdout)
    assert table["methods"] == ["LoRA", "DPO"] and any(any(r["cells"].values()) for r in table["rows"])
    assert json.loads(run_kg("index", "--vault", str(vault), "--json").stdout)["parsed"] == 0
