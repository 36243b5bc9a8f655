# claimsdesk: `make run` sets up and serves the app; `make test` runs the whole suite.
# Both create and use the virtualenv at .venv in the project root: `make run` installs what
# serving needs (the project's dependencies), `make test` adds the dev extra (test and lint tools).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs on every core (pytest-xdist), each test file on one worker (module fixtures
# set up once), the slow files first (tests/conftest.py); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
SYSTEM_PACKAGES := fonts-ipaexfont-gothic chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test screenshots venv venv-dev sysdeps migrate seed lint format bench bench-engine bench-pdf bench-pdf-count bench-zengin check bench-reassess

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# What serving needs.
venv: $(VENV)/.installed

# Plus the tools of the dev extra: pytest and its plugins, Playwright, hypothesis, ruff, import-linter.
venv-dev: $(VENV)/.installed-dev

# Debian packages the PDFs (Japanese font) and the browser tests need. Installs only what
# is missing, and only where apt-get can run (root); elsewhere it says what to install.
sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: please install these Debian packages:$$missing" >&2; fi; \
	fi

# Development targets: DEBUG=true (development settings) whatever the default or .env says.
migrate seed: export DEBUG := true
migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo $(if $(PASSWORD),--password $(PASSWORD))

# Migrates and seeds quietly, serves, and prints the URL and the logins last (bin/devserver).
run: sysdeps venv
	@PY='$(PY)' HOST='$(HOST)' PORT='$(PORT)' PASSWORD='$(PASSWORD)' bin/devserver

test: sysdeps venv-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Every screenshot in docs/screenshots/ (README), in Chromium with its Japanese strings.
screenshots: sysdeps venv-dev
	@$(MAKE) --no-print-directory sysdeps SYSTEM_PACKAGES=chromium-l10n
	$(PY) bin/screenshots.py
	$(PY) bin/screenshots_policy_limits.py
	$(PY) bin/letter_screenshots.py

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: venv
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench-engine: venv
	$(PY) bench/engine.py

bench-pdf: sysdeps venv
	$(PY) bench/pdf.py

# The same renders counted in instructions (valgrind): repeatable where timings drift.
bench-pdf-count: sysdeps venv
	$(PY) bench/pdf.py --instructions --sizes 30,300

# A 総合振込 batch of 10,000 payouts built and its Zengin file written (PostgreSQL).
bench-zengin: venv
	$(PY) bench/zengin.py

bench: venv
	$(PY) bench/queue.py

# Re-assessing 10,000 open claims after a plan edit (SQLite; add ARGS=--postgres for PostgreSQL).
bench-reassess: venv
	$(PY) bench/reassess.py $(ARGS)
