# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format messages vendor bench loadtest loadtest-capacity clean

run: $(VENV)/.run-deps ## Start the portal: web server, Celery worker and beat, with demo data
	@sh scripts/run.sh

test: $(VENV)/.dev-deps ## Lint, type-check, check the layers and run the whole test suite
	@sh scripts/test.sh

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(VENV)/.dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.dev-deps ## Refresh the Spanish and French catalogues from the source, then compile them
	$(BIN)/python manage.py makemessages -l es -l fr --no-obsolete \
		--ignore=node_modules --ignore=static/vendor --ignore=var --ignore=tests --ignore=locale
	$(BIN)/python manage.py compilemessages -l es -l fr --ignore=.venv --ignore=node_modules

vendor: ## Refresh static/vendor/ from the npm registry (needs Node; the result is committed)
	sh scripts/vendor.sh

bench: $(VENV)/.dev-deps ## Every benchmark against PostgreSQL and Redis: one table, bench/results.json
	$(BIN)/python -m bench

loadtest: $(VENV)/.dev-deps ## 50 users for 3 minutes against gunicorn and a Celery worker (docs/PERFORMANCE.md)
	$(BIN)/python -m bench.loadtest

loadtest-capacity: $(VENV)/.dev-deps ## More users step by step until a page is too slow, beside the floor; draws docs/img/capacity.png
	$(BIN)/python -m bench.loadtest --capacity --plot docs/img/capacity.png

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.run-deps $@
