"""The page of ``kg serve`` in Debian's headless Chromium (selenium + chromedriver): shared by
``tests/test_serve_browser.py`` and ``make screenshots``, which writes docs/screenshots/answer.png and graph.png.

    python benchmarks/screenshots.py [--out docs/screenshots] [--question Q] [--graph-question Q]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)


def missing() -> str | None:
    """Why no browser can run here (None when one can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if not any(shutil.which(b) for b in CHROMIUM):
        return "no chromium on PATH (make test installs Debian's chromium and chromium-driver as root)"
    if not any(shutil.which(d) for d in DRIVER):
        return "no chromedriver on PATH (Debian's chromium-driver)"
    return None


def browser(width: int = 1400, height: int = 900):
    """A headless Chromium driven through chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(b) for b in CHROMIUM if shutil.which(b))
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=en-US", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    service = Service(executable_path=next(shutil.which(d) for d in DRIVER if shutil.which(d)))
    return webdriver.Chrome(options=options, service=service)


def ask(driver, base: str, question: str, seconds: float = 60):
    """Open the page, type the question, submit, and wait for answers (or the nothing-found line)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/")
    wait = WebDriverWait(driver, seconds)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "go").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#answers .role-group, #answers .empty")))
    return wait


def open_graph(driver, seconds: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "tab-graph").click()
    WebDriverWait(driver, seconds).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg#graph g.node"))


def click_node(driver, kind: str, seconds: float = 30):
    """Click the first node of ``kind`` in the graph; returns its id."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    node = driver.find_element(By.CSS_SELECTOR, f"svg#graph g.node[data-kind='{kind}']")
    node_id = node.get_attribute("data-id")
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", node)
    WebDriverWait(driver, seconds).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"svg#graph g.node.selected[data-id='{node_id}']"))
    return node_id


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from serving import Served, kg_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--question", default="risks of LoRA on CoT")
    parser.add_argument("--graph-question", default="risks of QLoRA",
                        help="the question of graph.png (QLoRA's answers include those inherited from LoRA)")
    parser.add_argument("--model", default=None, help="embedding model for the index (default: kg's default)")
    args = parser.parse_args(argv)
    why = missing()
    if why:
        print(f"screenshots: {why}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "vault"
        shutil.copytree(REPO / "vault", vault, ignore=shutil.ignore_patterns(".kg"))
        env = kg_env() if args.model else {**kg_env(), "KG_MODEL": ""}
        if args.model:
            env["KG_MODEL"] = args.model
        with Served(vault, env=env) as served:
            driver = browser()
            try:
                ask(driver, served.base, args.question)
                from selenium.webdriver.common.by import By

                cite = driver.find_element(By.CSS_SELECTOR, "#answers button.ctx")
                cite.click()
                driver.implicitly_wait(0)
                from selenium.webdriver.support.ui import WebDriverWait

                WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#context .line.hit"))
                driver.save_screenshot(str(args.out / "answer.png"))
                if args.graph_question != args.question:
                    ask(driver, served.base, args.graph_question)
                open_graph(driver)
                click_node(driver, "note")
                WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail .note-facts"))
                driver.save_screenshot(str(args.out / "graph.png"))
            finally:
                driver.quit()
    print(f"wrote {args.out / 'answer.png'} and {args.out / 'graph.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
