#!/bin/sh
# `make test`: lint, types, the layer contract and the whole suite.
# With CI=true, PostgreSQL, Redis and Chromium are required, and the suite runs twice: on PostgreSQL, then on
# SQLite (the embedded default of `make run`), so the code written for each database runs in CI (README, *Tests*).
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
if [ "${CI:-}" != "true" ]; then
  echo "== pytest"; exec pytest "$@"
fi

echo "== pytest on PostgreSQL"; pytest "$@"
# The worker tests need a database another process can reach, and the browser tests drive pages whose SQL the
# other tests already run: both run on PostgreSQL only, which keeps the two passes within CI's 15 minutes.
echo "== pytest on SQLite (without tests/e2e and tests/integration)"
sqlite_dir="$(mktemp -d)"
trap 'rm -rf "$sqlite_dir"' EXIT
DATABASE_URL="sqlite:///$sqlite_dir/knoble.sqlite3" pytest -m "not e2e and not integration" "$@"
