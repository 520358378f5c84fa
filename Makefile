# Two commands set everything up on a fresh machine (Python >= 3.11 and make):
#   make demo   generate the demo data set, land it in DuckDB, dbt build, print a summary
#   make test   pytest (includes a dbt build of sample data), sqlfluff lint, ruff

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SEED   ?= 42
PROFILE ?= demo
DATA_DIR ?= data/$(PROFILE)

export DBT_PROFILES_DIR := $(CURDIR)
export CX_DUCKDB_PATH ?= $(CURDIR)/warehouse.duckdb

.PHONY: help install spark-install ui-install ui demo generate load build summary test pytest lint sqlfluff ruff bench clean

help:
	@echo "make demo    - generate '$(PROFILE)' data, land it, dbt build, summary (database: $(CX_DUCKDB_PATH))"
	@echo "make test    - pytest, sqlfluff lint of models/ and macros/, ruff"
	@echo "make ui      - the dashboards and the identity review screen on http://127.0.0.1:$(UI_PORT) (cx ui)"
	@echo "make bench   - landing, model-layer and client-rate benchmarks (bench/README.md)"
	@echo "make clean   - remove generated data, databases and dbt artefacts"

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# the spark target's packages (pyproject extra `spark`) and a Java runtime for pyspark; the JDK from Debian only
# when no `java` is on the PATH (CI machines may lack it; needs root, as CI runs)
$(BIN)/.spark-installed: $(BIN)/.installed
	command -v java >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $@

spark-install: $(BIN)/.spark-installed

# the dashboards' packages (pyproject extra `ui`) and, for the browser test and bench/bench_ui.py, Debian's
# chromium when it is missing (needs root, as CI runs; Playwright drives it, `playwright install` is never run)
$(BIN)/.ui-installed: $(BIN)/.installed
	test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(BIN)/python -m pip install --quiet -e ".[dev,ui]"
	touch $@

ui-install: $(BIN)/.ui-installed

UI_PORT ?= 8501
ui: ui-install
	$(BIN)/cx ui --port $(UI_PORT)

demo: install generate load build summary

generate: install
	$(BIN)/cx generate --profile $(PROFILE) --seed $(SEED) --out $(DATA_DIR)

load: install
	$(BIN)/cx load $(DATA_DIR)

# generated data ends at its manifest's reference_time: windows are measured from it (var reference_time)
# seeds are reloaded whole (a seed that gained a column must not fail an existing warehouse); incremental
# models keep their history
build: install
	$(BIN)/dbt seed --full-refresh
	CX_REFERENCE_TIME="$$($(BIN)/python -c 'from loaders.synthetic.generator import dbt_reference_time as t; print(t("$(DATA_DIR)"))')" \
		$(BIN)/dbt build --exclude resource_type:seed

summary: install
	$(BIN)/cx summary

test: install spark-install ui-install pytest lint

# tests/python/test_spark.py builds the demo on Spark as well: it needs the spark extra and a JDK
# two workers, a test file each (CI machines have 2 cores; most tests wait on a dbt or Spark subprocess)
pytest: install spark-install ui-install
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

lint: sqlfluff ruff

# models that read a seed when they compile (blocking rules, comparison columns) need the seeds in a database:
# lint against its own, freshly seeded one, never the user's warehouse
LINT_DB := $(CURDIR)/target/lint.duckdb
sqlfluff: install
	mkdir -p target && rm -f $(LINT_DB)
	CX_DUCKDB_PATH=$(LINT_DB) $(BIN)/dbt seed -q
	CX_DUCKDB_PATH=$(LINT_DB) $(BIN)/sqlfluff lint models macros > target/lint.log 2>&1; rc=$$?; cat target/lint.log; \
		test $$rc -eq 0 && ! grep -q "Skipped file.*fatal exception" target/lint.log  # a file dbt cannot compile is not linted: fail

ruff: install
	$(BIN)/ruff check loaders exporter tests bench

bench: install
	$(BIN)/python bench/bench_landing.py --profile small
	$(BIN)/python bench/bench_models.py --profile small
	$(BIN)/python bench/bench_client_rate.py

clean:
	rm -rf data target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal lake spark
