# Two commands set up a fresh machine (see README):
#   make demo   create .venv if needed, index the demo vault and show what kg read
#   make test   create .venv if needed and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kg index vault
	$(BIN)/kg status --vault vault --limit 5
	$(BIN)/kg show --vault vault "Катастрофическое забывание"
	$(BIN)/kg sparql --vault vault benchmarks/queries/risks_of_lora.rq

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/parse_bench.py

clean:
	rm -rf $(VENV) vault/.kg
