# Two commands: `make serve` (set up, migrate, seed demo data once, serve) and `make test`.
# A fresh machine needs only Python 3.11+, pip and make: uv is bootstrapped into .tools/
# and installs exactly what uv.lock pins into .venv/.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The public URL (OAuth issuer, e-mail links) follows HOST/PORT unless set explicitly.
C2C_ISSUER ?= http://$(HOST):$(PORT)
export C2C_ISSUER
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NATIVE_TLS := 1

.PHONY: install serve test lint typecheck pytest schema migration clean bench bench-pg

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

install: $(VENV)/.synced

serve: install
	$(VENV)/bin/c2c-api db upgrade
	$(VENV)/bin/c2c-api seed --demo
	$(VENV)/bin/c2c-api serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests alembic bench
	$(VENV)/bin/ruff format --check src tests alembic bench

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: lint typecheck pytest

schema: install
	$(VENV)/bin/c2c-api export-schema -o schema/schema.graphql

migration: install
	scripts/regen-migration.sh 0002 "catalog"

# Search benchmark, not part of `make test` (docs/performance.md). Seeds a fresh database when
# none is there (BENCH_RESEED=1 to seed again), then drives the app and the bare baseline.
C2C_BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export C2C_BENCH_POSTGRES_URL
BENCH_SEED_FLAGS := $(if $(BENCH_RESEED),,--if-missing)

bench: install
	$(VENV)/bin/python -m bench.seed --database sqlite $(BENCH_SEED_FLAGS)
	$(VENV)/bin/python -m bench.run --database sqlite

bench-pg: install
	$(VENV)/bin/python -m bench.seed --database postgresql $(BENCH_SEED_FLAGS)
	$(VENV)/bin/python -m bench.run --database postgresql

clean:
	rm -rf .tools $(VENV) var/ .pytest_cache .mypy_cache .ruff_cache
