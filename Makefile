# The two commands: `make demo` and `make test`. Both build .venv from uv.lock first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV := $(PYTHON) -m uv

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup demo test lint typecheck unit eval bench bench-memory bench-scaleout clean

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

# issue 6: end-to-end ingest benchmark on a simulated loopback newsroom (7 min 20 s on this
# shared 2-core machine); BENCH_ARGS scales it, e.g. BENCH_ARGS="--hosts 10 --feeds 50 --articles 1000"
bench: setup
	$(VENV)/bin/python bench/ingest_bench.py $(BENCH_ARGS)
	$(VENV)/bin/python bench/plot.py

# peak RSS of a 50k-page cold ingest (low latency, no other figures)
bench-memory: setup
	$(VENV)/bin/python bench/ingest_bench.py --only-cold --articles 50000 --feeds 500 \
		--latency 0.005 --no-profile --out bench/results/ingest_memory.json $(BENCH_ARGS)

# issue 7: one process against two shards, DuckDB file against DuckLake (PostgreSQL catalog),
# local pool against Dask, on this machine (about 4 minutes)
bench-scaleout: setup
	$(VENV)/bin/python bench/scaleout.py $(BENCH_ARGS)
