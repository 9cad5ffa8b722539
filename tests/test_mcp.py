"""`kg mcp` driven by the MCP SDK's own stdio client, as Claude Desktop or an IDE would start it: the tools and
their typed inputs, answers identical to the CLI's --json with citations pointing at real lines, notes as
resources confined to the vault, failures as one-line tool errors."""

import json
import os

import anyio
import pytest
from conftest import KG, run_kg

pytest.importorskip("mcp")

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

TOOLS = {"ask", "search", "why", "compare", "show", "status"}


@pytest.fixture
def indexed(demo_vault):
    run_kg("index", str(demo_vault))
    return demo_vault


def session(vault, errlog, calls):
    """Start `kg mcp --vault VAULT`, run ``calls(session)`` in one session, and return what it returns."""
    env = {"KG_MODEL": os.environ.get("KG_MODEL", "fake")}
    params = StdioServerParameters(command=str(KG), args=["mcp", "--vault", str(vault)], env=env)

    async def main():
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                return await calls(s)

    return anyio.run(main)


def cli_json(vault, *args):
    return json.loads(run_kg(*args, "--vault", str(vault), "--json").stdout)


def result_json(result):
    assert not result.is_error, result.content[0].text
    data = json.loads(result.content[0].text)
    assert result.structured_content == data  # the same JSON as structured content and as text
    return data


def assert_cites_real_lines(vault, citations, text=None):
    for c in citations:
        if c["path"].startswith("schema/"):  # the concept scheme, shipped with kg
            continue
        lines = (vault / c["path"]).read_bytes().decode("utf-8", "replace").split("\n")
        assert 1 <= c["line"] <= c["end_line"] <= len(lines), c
        cited = " ".join(lines[c["line"] - 1:c["end_line"]])
        assert cited.strip(), c
        if text:  # a few of the statement's long words are on the cited lines
            words = [w.strip(".,;:()«»\"") for w in text.replace("…", "").split() if len(w) > 5][:3]
            assert any(w in cited for w in words), (text, c, cited)


def test_tools_answer_with_the_clis_json_and_cite_real_lines(indexed, tmp_path):
    async def calls(s):
        listed = await s.list_tools()
        ask = await s.call_tool("ask", {"question": "risks of LoRA on CoT", "top": 6})
        compared = await s.call_tool("compare", {"methods": ["LoRA", "DPO"]})
        compared_two = await s.call_tool("compare", {"methods": ["LoRA", "DPO"], "limit": 2})
        why = await s.call_tool("why", {"a": "LoRA", "b": "CoT"})
        shown = await s.call_tool("show", {"note": "LoRA"})
        status = await s.call_tool("status", {})
        ru = await s.call_tool("ask", {"question": "как бороться с катастрофическим забыванием"})
        return listed, ask, (compared, compared_two), why, shown, status, ru

    with open(tmp_path / "stderr.txt", "w") as errlog:
        listed, ask, (compared, compared_two), why, shown, status, ru = session(indexed, errlog, calls)

    tools = {t.name: t for t in listed.tools}
    assert set(tools) == TOOLS
    schema = tools["ask"].input_schema
    assert schema["required"] == ["question"] and schema["properties"]["question"]["type"] == "string"
    assert schema["properties"]["top"]["type"] == "integer" and schema["properties"]["top"]["maximum"] == 100
    assert tools["compare"].input_schema["properties"]["methods"]["type"] == "array"
    assert set(tools["why"].input_schema["required"]) == {"a", "b"}
    assert all(t.annotations.read_only_hint for t in listed.tools)

    data = result_json(ask)
    assert data == cli_json(indexed, "ask", "risks of LoRA on CoT", "--top", "6")
    assert data["intent"] == "risk" and data["answers"]
    for a in data["answers"]:
        assert a["citations"]
        assert_cites_real_lines(indexed, a["citations"], a["text"])
    assert any(c["path"] == "analyses/Риски LoRA для CoT.md" for a in data["answers"] for c in a["citations"])

    data = result_json(ru)
    assert data == cli_json(indexed, "ask", "как бороться с катастрофическим забыванием")
    assert data["intent"] == "solution"

    table = result_json(compared)
    assert table == cli_json(indexed, "compare", "LoRA", "DPO")
    assert table["methods"] == ["LoRA", "DPO"]
    assert result_json(compared_two) == cli_json(indexed, "compare", "LoRA", "DPO", "--limit", "2")
    assert all(row["totals"][m] >= len(row["cells"][m]) for row in table["rows"] for m in table["methods"])
    cells = [i for row in table["rows"] for items in row["cells"].values() for i in items]
    assert cells and all(i["citations"] for i in cells)
    for item in cells:
        assert_cites_real_lines(indexed, item["citations"])

    paths = result_json(why)
    assert paths == cli_json(indexed, "why", "LoRA", "CoT")
    for p in paths["paths"]:
        for step in p["steps"]:
            assert_cites_real_lines(indexed, step["citations"])

    assert result_json(shown) == cli_json(indexed, "show", "LoRA")
    assert result_json(status)["notes"] == cli_json(indexed, "status")["notes"]
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()


def test_notes_are_resources_read_inside_the_vault_only(indexed, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# outside the vault\n")
    (indexed / "leak.md").symlink_to(secret)

    async def calls(s):
        listed = await s.list_resources()
        uri = next(r.uri for r in listed.resources if r.name == "methods/LoRA.md")
        read = await s.read_resource(uri)
        refused = []
        for bad in ("kg://note/../secret.md", "kg://note/%2E%2E/secret.md", "kg://note/leak.md",
                    f"kg://note/{secret}", "file://" + str(secret), "kg://note/.obsidian/app.json"):
            try:
                got = await s.read_resource(bad)
                refused.append((bad, None, got.contents[0].text))
            except MCPError as exc:
                refused.append((bad, str(exc), None))
        return listed, uri, read, refused

    with open(tmp_path / "stderr.txt", "w") as errlog:
        listed, uri, read, refused = session(indexed, errlog, calls)

    names = {r.name for r in listed.resources}
    assert "methods/LoRA.md" in names and "analyses/Риски LoRA для CoT.md" in names
    assert all(r.mime_type == "text/markdown" for r in listed.resources)
    assert uri == "kg://note/methods/LoRA.md"
    assert read.contents[0].text == (indexed / "methods" / "LoRA.md").read_text(encoding="utf-8")
    assert "leak.md" not in names
    for bad, error, text in refused:
        assert text is None and error and "\n" not in error, (bad, error, text)  # an error, never the file
    assert "symlink" in {b: e for b, e, _ in refused}["kg://note/leak.md"]
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()


def test_failures_are_one_line_tool_errors(indexed, tmp_path):
    async def calls(s):
        return [await s.call_tool("compare", {"methods": ["LoRA", "no such method anywhere"]}),
                await s.call_tool("show", {"note": "no such note"}),
                await s.call_tool("ask", {"question": "risks of LoRA", "top": 1000}),
                await s.call_tool("ask", {"question": "   "}),
                await s.call_tool("ask", {"question": "risks of LoRA"})]  # the server still answers after them

    with open(tmp_path / "stderr.txt", "w") as errlog:
        unknown, missing, too_many, empty, fine = session(indexed, errlog, calls)
    for result, words in ((unknown, "no concept named"), (missing, "no note named"), (too_many, "top"),
                          (empty, "the question is empty")):
        assert result.is_error
        text = result.content[0].text
        assert words in text and "\n" not in text and "Traceback" not in text, text
    assert result_json(fine)["answers"]
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
