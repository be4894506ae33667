# The two commands: `make demo` and `make test`. Both build .venv from uv.lock first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV := $(PYTHON) -m uv

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup demo test lint typecheck unit eval clean

setup: $(VENV)/.synced

$(VENV)/.synced: uv.lock pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

demo: setup
	$(VENV)/bin/wirehouse demo

lint: setup
	$(VENV)/bin/ruff check wirehouse tests
	$(VENV)/bin/ruff format --check wirehouse tests

typecheck: setup
	$(VENV)/bin/mypy

unit: setup
	$(VENV)/bin/pytest -q

test: setup
	$(UV) lock --check
	$(MAKE) --no-print-directory lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

eval: setup
	$(VENV)/bin/python bench/eval_dedup.py
