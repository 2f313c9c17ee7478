# The index of every command a developer needs. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_HOUSEHOLDS ?= 2000
export DJANGO_SETTINGS_MODULE ?= config.settings

.PHONY: help install run migrate demo test unit browser chromium lint format migrations-check deploy-check bench db-start db-stop clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install pinned dependencies

run: install ## Set everything up and serve the app with demo data on http://127.0.0.1:8000
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo --if-empty --households $(DEMO_HOUSEHOLDS)
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo_reports --if-empty
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

migrate: install ## Apply migrations
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput

demo: install ## Reload the demo data (DEMO_HOUSEHOLDS=200000 for about a million people)
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo --households $(DEMO_HOUSEHOLDS)
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo_reports

test: chromium install lint migrations-check deploy-check ## Lint, check migrations and the production settings, run the whole suite (installs chromium if missing)
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) -m pytest -n 2 --dist worksteal --durations=30

unit: install ## The suite without the browser and integration tests (no chromium, no Redis needed)
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) -m pytest -m "not browser and not integration"

browser: chromium install ## The browser tests only (Debian's chromium, driven by Playwright)
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) -m pytest -m browser

chromium: ## Install Debian's chromium for the browser tests if it is missing (scripts/ensure-browser)
	@scripts/ensure-browser

lint: install ## ruff lint and format check; the layers contract (lint-imports)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install ## Format the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrations-check: install ## Fail if a model change has no migration
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) manage.py makemigrations --check --dry-run

# The production settings (DEBUG off) with a throwaway secret and host: Django's deployment checks
# (HTTPS, HSTS, secure cookies, secret strength...) must find nothing.
deploy-check: install ## Run manage.py check --deploy with the production settings
	DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=returns.example.org \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import base64, os; print(base64.b64encode(os.urandom(48)).decode())')" \
	$(PY) manage.py check --deploy --fail-level WARNING

bench: install ## Benchmarks (not part of make test); figures go to bench-results/
	$(PY) -m bench

db-start: install ## Start the embedded PostgreSQL server (data in .pgdata/), unless DATABASE_URL is set
	@if [ -z "$${DATABASE_URL:-}" ]; then $(PY) -m config.embedded_db start; fi

db-stop: install ## Stop the embedded PostgreSQL server
	$(PY) -m config.embedded_db stop

clean: ## Remove the virtualenv, the embedded database and caches
	-$(PY) -m config.embedded_db stop
	rm -rf $(VENV) .pgdata staticfiles .pytest_cache .ruff_cache

.PHONY: worker beat prod
prod: install ## The production stack on this machine (Procfile, honcho): gunicorn, workers, beat, broker; DEMO=1 for demo data
	scripts/prod

CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0

worker: install db-start ## Run a Celery worker on CELERY_BROKER_URL (the local Redis); emails print to its log
	DJANGO_DEBUG=1 CELERY_BROKER_URL=$(CELERY_BROKER_URL) $(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install db-start ## Run Celery beat: enqueues the daily checks (config/celery.py) for the worker
	DJANGO_DEBUG=1 CELERY_BROKER_URL=$(CELERY_BROKER_URL) $(VENV)/bin/celery -A config beat --loglevel=INFO

.PHONY: messages
messages: install ## Update the Dari and Pashto catalogues in locale/ from the source, then compile them (.mo)
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l fa -l ps --ignore=.venv --ignore=bench --ignore=tests --ignore=docs --ignore=staticfiles --no-obsolete
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv
