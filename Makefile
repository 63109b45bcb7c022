# Two commands do everything on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
WAREHOUSE := data/warehouse
# A project-local Airflow with a SQLite metadata database, for the demo and the in-process DAG tests.
AIRFLOW_ENV := AIRFLOW_HOME=$(CURDIR)/.airflow \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(CURDIR)/.airflow/airflow.db \
	AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING \
	GX_ANALYTICS_ENABLED=false \
	CONFLICT_EVENTS_WAREHOUSE=$(CURDIR)/$(WAREHOUSE)

.PHONY: help setup gazetteer demo test test-fast schemas airflow-db clean

help:
	@echo "make demo   - install, then run the Airflow DAG on data/samples into $(WAREHOUSE)"
	@echo "make test   - install, then run the tests"
	@echo "make setup  - install uv if missing and sync .venv from uv.lock"

# uv sync is quick when nothing changed; the stamp skips even that when the lock is unchanged.
setup: $(VENV)/.synced
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@if command -v uv >/dev/null 2>&1; then uv sync --locked; else python3 -m uv sync --locked; fi
	@touch $@

gazetteer: setup
	@$(PY) -m pipeline.geo.build --quiet
	@$(PY) -m pipeline.report.basemap --quiet

schemas: setup
	$(VENV)/bin/conflict-events schemas --write

airflow-db: setup
	@mkdir -p .airflow
	@$(AIRFLOW_ENV) $(VENV)/bin/airflow db migrate >/dev/null

demo: gazetteer airflow-db
	@echo "Running the conflict_events_nightly DAG in-process on data/samples ..."
	@$(AIRFLOW_ENV) $(VENV)/bin/airflow dags test conflict_events_nightly 2024-06-01 \
		-c '{"input": "$(CURDIR)/data/samples", "out": "$(CURDIR)/$(WAREHOUSE)", "batch": "samples"}' \
		> .airflow/demo-run.log 2>&1 || { tail -40 .airflow/demo-run.log; echo "demo failed: full log in .airflow/demo-run.log"; exit 1; }
	@echo "DAG run succeeded (log: .airflow/demo-run.log)"
	@$(VENV)/bin/conflict-events summary --out $(WAREHOUSE) --batch samples

test: gazetteer browser
	$(VENV)/bin/pytest -q

test-fast: gazetteer
	$(VENV)/bin/pytest -q -m "not slow and not quality"

clean:
	rm -rf $(WAREHOUSE) .airflow .pytest_cache

# The run report (HTML, offline map) of the latest published run, or of RUN=<run_id> / BATCH=<batch>.
.PHONY: report browser
report: setup
	@$(VENV)/bin/conflict-events report --out $(WAREHOUSE) $(if $(RUN),--run $(RUN)) $(if $(BATCH),--batch $(BATCH))

# Headless Chromium for the report's screenshot test (Debian's package), installed when missing.
# Best effort: without it (no apt, no root) the screenshot test is skipped and says why.
browser:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
		|| echo "could not install chromium: the report's screenshot test will be skipped"; }

# A local Airflow for operators (api-server on 127.0.0.1:$(AIRFLOW_PORT), scheduler, dag-processor,
# triggerer; PIDs in .airflow/pids/). Same project-local AIRFLOW_HOME and SQLite database as the demo.
AIRFLOW_PORT ?= 8080
.PHONY: airflow airflow-stop

airflow: gazetteer airflow-db
	@$(AIRFLOW_ENV) AIRFLOW_PORT=$(AIRFLOW_PORT) scripts/airflow_up.sh

airflow-stop:
	@AIRFLOW_HOME=$(CURDIR)/.airflow scripts/airflow_down.sh

# Throughput, memory and competitor benchmarks (bench/README.md); hours with the 100k corpus.
# BENCH_ARGS="--quick" for a smoke run, "--sizes 1000,10000 --runs 2" to limit, "--snapshot" to freeze the code.
.PHONY: bench
bench: gazetteer
	$(PY) -m bench.run $(BENCH_ARGS)
