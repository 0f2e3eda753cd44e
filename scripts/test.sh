#!/bin/sh
# `make test`: lint, types, the layer contract and the whole suite.
# With CI=true, PostgreSQL, Redis and Chromium are required.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

if [ "${CI:-}" = "true" ]; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/knoble}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
  python scripts/require_services.py
fi

echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-type-checking-only}" mypy .
echo "== import-linter (the layers of docs/ARCHITECTURE.md)"; lint-imports --no-cache --no-logo
echo "== pytest"; exec pytest "$@"
