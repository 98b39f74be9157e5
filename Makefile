# Thin wrappers over real commands. `make run` and `make test` work on a fresh machine with
# Python 3.11+: they create .venv, install everything, and go.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The CI leg against PostgreSQL and the Redis server sets these; unset, SQLite and embedded Redis.
PG_URL ?= postgres://postgres@127.0.0.1:5432/studio
SERVER_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run demo test test-services browser lint format bench check

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# A CUDA or other torch already installed is kept; otherwise the CPU build, pinned.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# Azure's authoring client declares azure-ai-textanalytics>=6, whose runtime client dropped the
	# calls our runtime tests drive (5.4); the two packages work side by side, so skip that pin.
	$(PY) -m pip install --quiet --no-deps azure-ai-textanalytics-authoring==1.0.0b1
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py studio

demo: $(STAMP)
	$(PY) manage.py studio --demo

# Debian's Chromium for the browser tests (Playwright's own browser download cannot be used).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

test: $(STAMP) browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL and the Redis server, when they answer.
test-services: $(STAMP) browser
	DATABASE_URL=$(PG_URL) REDIS_URL=$(SERVER_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	# The import contracts in pyproject.toml (layers, no cycles, a Django-free engine). Uncached:
	# it takes under a second, and a cache left from before a package gained its __init__.py
	# hid that package's imports.
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m tests.benchmarks.accuracy

check: lint test
