# Two commands for a newcomer:
#   make run    set up, migrate, seed demo data, serve on http://127.0.0.1:8000 (with
#               the background jobs' worker beside it)
#   make test   set up and run the whole test suite
# Also: make serve (production serving with gunicorn), make screenshots,
# make bench (see docs/PERFORMANCE.md), make scale-test (see docs/DEPLOY.md), make lint,
# make check.
# Override the interpreter with PYTHON=/path/to/python3.12 (3.12 or newer),
# the port with PORT=8001, test options with PYTEST_ARGS="-x -k sale".

VENV ?= .venv
VENV_PYTHON := $(VENV)/bin/python
REQUIREMENTS := requirements.txt requirements-dev.txt
PORT ?= 8000

.PHONY: run test serve screenshots bench scale-test lint check clean messages catalogs

# Find a Python that Django 6 supports: $PYTHON if given, else the newest
# python3.x on PATH (pyenv shims honour .python-version), else python3.
define find_python
for candidate in $(PYTHON) python3.14 python3.13 python3.12 python3; do \
  if command -v "$$candidate" >/dev/null 2>&1 && \
     "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    echo "$$candidate"; exit 0; \
  fi; \
done; \
echo "No Python 3.12 or newer found: Django 6 needs Python >= 3.12. Install one, or pass PYTHON=/path/to/python3.12." >&2; \
exit 1
endef

# The translation catalogs (locale/<language>/LC_MESSAGES/django.po), compiled to the .mo
# files Django reads. Babel does it in pure Python: no GNU gettext needed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
CATALOG_LANGUAGES := es de

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -i $< -o $@

messages: $(MO_FILES)

# After changing marked strings: refresh the catalogs (needs GNU gettext's xgettext), then
# translate what is new or fuzzy. CI checks that this leaves the catalogs unchanged.
catalogs: $(VENV)/.installed
	DEBUG=true $(VENV_PYTHON) manage.py makemessages --no-location --no-obsolete \
	  $(foreach language,$(CATALOG_LANGUAGES),--locale=$(language)) \
	  --ignore=tests --ignore=e2e --ignore=bench --ignore=docs --ignore=staticfiles \
	  --ignore=media --ignore=test-artifacts --ignore=backups

$(VENV)/.installed: $(REQUIREMENTS)
	@python=$$($(find_python)) || exit 1; \
	if [ ! -x "$(VENV_PYTHON)" ] || ! "$(VENV_PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  echo "Creating $(VENV) with $$python ($$($$python --version))"; \
	  rm -rf "$(VENV)" && "$$python" -m venv "$(VENV)"; \
	fi
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The task worker (background jobs: big exports, imports) runs beside the server and
# stops with it. It does not reload on code changes (its reloader would leave a child
# behind when stopped): restart `make run` after changing a task.
run: $(VENV)/.installed messages
	DEBUG=true $(VENV_PYTHON) manage.py migrate --noinput
	DEBUG=true $(VENV_PYTHON) manage.py seed_demo
	DEBUG=true $(VENV_PYTHON) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(VENV_PYTHON) manage.py runserver 127.0.0.1:$(PORT)

# On every core (pytest-xdist, one test database per worker). Tests go out one by one in
# collection order (xdist's default), so each worker still runs the transactional tests last,
# as pytest-django orders them: they empty the tables, the roles and units the data
# migrations wrote included (--dist loadfile broke the imports tests that way).
# PYTEST_ARGS="-n 0" runs the suite in one process, which also prints the concurrency
# tests' table of figures.
test: $(VENV)/.installed messages
	$(VENV_PYTHON) -m pytest -n auto $(PYTEST_ARGS)

# Production serving: needs DEBUG=false, SECRET_KEY, ALLOWED_HOSTS... in the
# environment or .env (see .env.example and docs/DEPLOY.md).
# One task worker runs beside gunicorn and stops with it; a fleet runs workers as
# services of their own (docs/DEPLOY.md, "Background jobs").
serve: $(VENV)/.installed messages
	$(VENV_PYTHON) manage.py migrate --noinput
	$(VENV_PYTHON) manage.py collectstatic --noinput
	$(VENV_PYTHON) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py inventory_project.wsgi

# docs/screenshots/*.png from demo data, in headless Chromium.
screenshots: $(VENV)/.installed messages
	$(VENV_PYTHON) -m e2e.screenshots

# The performance benchmark (docs/PERFORMANCE.md); BENCH_ARGS="--smoke" for a quick run.
bench: $(VENV)/.installed
	$(VENV_PYTHON) -m pip install --quiet -r requirements-bench.txt
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

# Two app servers behind HAProxy (bench/haproxy.cfg) on PostgreSQL: 30 sales of
# 10 units at once, then one server stopped and one killed under load (docs/DEPLOY.md).
# DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/inventory_scale (dropped!).
scale-test: $(VENV)/.installed messages
	$(VENV_PYTHON) -m pip install --quiet -r requirements-bench.txt
	$(VENV_PYTHON) -m bench.scale_test $(SCALE_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: $(VENV)/.installed
	DEBUG=true $(VENV_PYTHON) manage.py check
	DEBUG=true $(VENV_PYTHON) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	find locale -name "*.mo" -delete
