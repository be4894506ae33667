# The two commands: `make demo` and `make test`. Both build .venv from uv.lock first.
SHELL := /bin/bash
# the first of these that runs and is 3.11 to 3.13 (a pyenv shim for a version that is not
# selected fails to run, so each one is tried, not only looked up)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' \
	>/dev/null 2>&1 && { echo $$p; break; }; done)
endif
VENV := .venv
# uv goes into .uv/ when the python has none: `pip install --target` is allowed even where the
# system python refuses installs (PEP 668, e.g. Debian 12+ and Ubuntu 24.04)
UV := PYTHONPATH=$(CURDIR)/.uv $(PYTHON) -m uv

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup demo demo-stop test test-deps lint typecheck unit docs eval bench bench-oneoff bench-memory bench-scaleout clean

setup: $(VENV)/.synced

$(VENV)/.synced: uv.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "make: no Python 3.11, 3.12 or 3.13 found (tried python3, python3.13, python3.12," \
			"python3.11); install one, or name it: make PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --target .uv uv \
		|| { echo "make: cannot install uv with $(PYTHON) -m pip; install pip" \
			"(e.g. apt-get install python3-pip) or uv itself" >&2; exit 1; }
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

# the first run in the foreground; the newsroom, a Prefect server and the every-minute deployment
# stay in the background (pids and logs in .demo/) until `make demo-stop`
demo: setup
	$(VENV)/bin/wirehouse demo

demo-stop: setup
	$(VENV)/bin/wirehouse demo-stop

lint: setup
	$(VENV)/bin/ruff check wirehouse devkit bench tools tests
	$(VENV)/bin/ruff format --check wirehouse devkit bench tools tests
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy

# rewrites the generated parts of docs/cli.md (every --help) and docs/configuration.md (every
# setting); tests/test_docs.py fails while they differ from the code
docs: setup
	$(VENV)/bin/python tools/gen_docs.py

unit: setup
	$(VENV)/bin/pytest -q

test: setup test-deps
	$(UV) lock --check
	$(MAKE) --no-print-directory lint typecheck unit

# the system programs the tests drive: Debian's chromium (tests/browser, through playwright) and
# postgresql (the DuckLake catalog in tests/scaleout); apt installs them when we are root
test-deps:
	@missing=(); \
	[ -x /usr/bin/chromium ] || missing+=(chromium); \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql); \
	if [ $${#missing[@]} -eq 0 ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then \
		echo "make test needs $${missing[*]}; run: sudo apt-get install -y $${missing[*]}" >&2; \
		exit 1; fi; \
	echo "installing $${missing[*]} (apt-get)"; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}" >/dev/null

clean:
	rm -rf $(VENV) .uv .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

eval: setup
	$(VENV)/bin/python -m devkit.evals.dedup
	$(VENV)/bin/python -m devkit.evals.titles
	$(VENV)/bin/python -m devkit.evals.entries

# end-to-end ingest benchmark on a simulated loopback newsroom (about 17 minutes on this
# shared 2-core machine); BENCH_ARGS scales it, e.g. BENCH_ARGS="--hosts 10 --feeds 50 --articles 1000"
bench: setup
	$(VENV)/bin/python -m bench.ingest_bench $(BENCH_ARGS)
	$(VENV)/bin/python -m bench.plot

# a one-off `wirehouse ingest` process of 1,000 pages against a running Prefect server, beside
# the bare trafilatura loop (about 3 minutes)
bench-oneoff: setup
	$(VENV)/bin/python -m bench.oneoff $(ONEOFF_ARGS)

# peak RSS of a 50k-page cold ingest (low latency, no other figures)
bench-memory: setup
	$(VENV)/bin/python -m bench.ingest_bench --only-cold --articles 50000 --feeds 500 \
		--latency 0.005 --no-profile --no-prerender --out bench/results/ingest_memory.json \
		$(BENCH_ARGS)

# scale-out: one process against two shards, DuckDB file against DuckLake (PostgreSQL catalog),
# local pool against Dask, on this machine (about 4 minutes)
bench-scaleout: setup
	$(VENV)/bin/python -m bench.scaleout $(BENCH_ARGS)
