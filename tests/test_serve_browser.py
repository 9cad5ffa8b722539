"""The page of ``kg serve`` in a real headless Chromium (Debian's chromium and chromedriver, driven by
selenium): a question typed in English and in Russian, answers grouped by role with obsidian:// links that
open the cited note, the cited lines in context, the graph around the answer explored by clicking, and the
status page. ``make test`` installs the browser; the test skips, saying why, only where it cannot run."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import run_kg
from screenshots import ask, browser, click_node, missing, open_graph
from serving import Served

from vaultgraph.citations import obsidian_url

pytestmark = pytest.mark.skipif(missing() is not None, reason=f"no headless browser here: {missing()}")


@pytest.fixture
def page(demo_vault):
    with Served(demo_vault) as served:
        driver = browser()
        try:
            yield driver, served, demo_vault
        finally:
            driver.quit()


def by_css(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def wait(driver, predicate, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(lambda d: predicate())


def test_answers_grouped_by_role_with_working_obsidian_links(page):
    driver, served, vault = page
    question = "risks of LoRA on CoT"
    ask(driver, served.base, question)
    expected = json.loads(run_kg("ask", question, "--vault", str(vault), "--json", env={"KG_SERVER": "0"}).stdout)

    groups = by_css(driver, "#answers .role-group")
    roles = [g.get_attribute("data-role") for g in groups]
    assert roles == list(dict.fromkeys(a["role"] for a in sorted(
        expected["answers"], key=lambda a: ["problem", "consequence", "risk", "solution", "evidence", "cost",
                                            "definition", "comparison", "claim", "context"].index(a["role"]))))
    assert "risk" in roles
    shown = [a.find_element("css selector", "p.text").text for a in by_css(driver, "#answers li.answer")]
    assert len(shown) == len(expected["answers"])
    for answer, text in zip(sorted(expected["answers"], key=lambda a: roles.index(a["role"])), shown):
        assert text.startswith(answer["text"][:40])

    links = by_css(driver, "#answers a.cite")
    cited = [c for a in expected["answers"] for c in a["citations"]]
    assert len(links) == len(cited)
    for link in links:
        href = link.get_attribute("href")
        path = link.text.rsplit(":", 1)[0]
        assert href == obsidian_url(vault, path)  # the CLI's own writer
        query = parse_qs(urlsplit(href).query)
        assert query["vault"] == [vault.name]
        assert (vault / (query["file"][0] + ".md")).is_file()  # Obsidian opens a note that exists

    # the cited lines, read in context from the note
    first = sorted(expected["answers"], key=lambda a: roles.index(a["role"]))[0]["citations"][0]
    by_css(driver, "#answers button.ctx")[0].click()
    wait(driver, lambda: by_css(driver, "#context .line.hit"))
    hit = by_css(driver, "#context .line.hit")[0]
    lines = (vault / first["path"]).read_text(encoding="utf-8").split("\n")
    assert hit.find_element("css selector", ".no").text == str(first["line"])
    assert hit.find_element("css selector", ".text").text.strip() == lines[first["line"] - 1].strip()


def test_russian_question_and_the_graph_explored_by_clicking(page):
    driver, served, vault = page
    ask(driver, served.base, "как бороться с катастрофическим забыванием")
    assert "solution" in [g.get_attribute("data-role") for g in by_css(driver, "#answers .role-group")]

    open_graph(driver)
    kinds = {n.get_attribute("data-kind") for n in by_css(driver, "svg#graph g.node")}
    assert {"concept", "claim", "note"} <= kinds
    assert by_css(driver, "svg#graph path.edge")
    before = len(by_css(driver, "svg#graph g.node"))

    note_id = click_node(driver, "note")  # a note: its record, and the notes it links to join the picture
    wait(driver, lambda: by_css(driver, "#detail .note-facts"))
    path = note_id.split(":", 1)[1]
    shown = json.loads(run_kg("show", path, "--vault", str(vault), "--json").stdout)
    assert f"{len(shown['sections'])} sections" in by_css(driver, "#detail .note-facts")[0].text
    linked = {l["resolved"] for l in shown["links"] if l["resolved"] and l["resolved"].endswith(".md")} - {path}
    if linked:
        wait(driver, lambda: len(by_css(driver, "svg#graph g.node")) > before or by_css(
            driver, "svg#graph path.edge.links-to"))
    assert by_css(driver, "svg#graph g.node.dim")  # what is not next to the selected node steps back

    click_node(driver, "claim")  # a claim: its cited lines
    wait(driver, lambda: by_css(driver, "#context .line.hit"))

    click_node(driver, "concept")  # a concept: ask about it
    button = wait(driver, lambda: by_css(driver, "#detail button.ask-about"))[0]
    label = button.text.removeprefix("Ask about ")
    button.click()
    wait(driver, lambda: driver.find_element("id", "q").get_attribute("value") == label
         and by_css(driver, "#answers .role-group, #answers .empty"))
    assert label in driver.find_element("id", "summary").text


def test_comparison_table_and_status_page(page):
    driver, served, vault = page
    ask(driver, served.base, "compare LoRA and QLoRA")
    table = wait(driver, lambda: by_css(driver, "#comparison table.comparison"))[0]
    headers = [th.text for th in table.find_elements("css selector", "thead th")]
    assert headers == ["aspect", "LoRA", "QLoRA"]
    assert table.find_elements("css selector", "a.cite")

    driver.find_element("id", "nav-status").click()
    wait(driver, lambda: by_css(driver, "#status-cards .card"))
    assert urlsplit(driver.current_url).path == "/status"
    notes = served.get("/api/status")[1]["notes"]
    assert by_css(driver, "#status-cards .card b")[0].text == str(notes)
    driver.get(served.base + "/status")  # the status page on its own
    wait(driver, lambda: by_css(driver, "#status-cards .card"))
    assert not driver.find_element("id", "status-view").get_attribute("hidden")
