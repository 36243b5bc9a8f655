# claimsdesk: `make run` sets up and serves the app; `make test` runs the whole suite.
# Both create and use the virtualenv at .venv in the project root.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := fonts-ipaexfont-gothic chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test venv sysdeps migrate seed lint format bench bench-engine bench-pdf bench-pdf-count bench-zengin check

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

# Debian packages the PDFs (Japanese font) and the browser tests need. Installs only what
# is missing, and only where apt-get can run (root); elsewhere it says what to install.
sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: please install these Debian packages:$$missing" >&2; fi; \
	fi

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo $(if $(PASSWORD),--password $(PASSWORD))

run: sysdeps venv seed
	@echo ""
	@echo "claimsdesk: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/ as dave)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: sysdeps venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
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
