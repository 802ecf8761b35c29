# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WHEELS := $(wildcard /opt/wheels)
PIP_LINKS := $(if $(WHEELS),--find-links $(WHEELS),)
# torch's CPU build: the local wheel where the machine has one, else PyTorch's CPU index (never CUDA)
TORCH_SRC := $(if $(wildcard /opt/wheels/torch-2.13.0*),$(PIP_LINKS),--index-url https://download.pytorch.org/whl/cpu)

.PHONY: demo test lint bench bench-ocr clean install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU build of torch first, so camel-tools never pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -q $(TORCH_SRC) torch==2.13.0
	$(BIN)/python -m pip install -q $(PIP_LINKS) -e '.[dev]'
	# bytecode for the package as a regular install has it (an editable one does not, and where
	# PYTHONDONTWRITEBYTECODE is set every run would compile it again: 60 ms of a 2 s repair)
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/egm-text run data/raw/un_egm_cybercrime_2020_ar.garbled.txt --out data/processed

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_repair.py

bench-ocr: $(STAMP)
	$(BIN)/python benchmarks/bench_ocr.py

clean:
	rm -rf $(VENV) data/processed/*.parquet data/processed/*.csv data/processed/*.jsonl
