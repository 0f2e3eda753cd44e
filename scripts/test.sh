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

# The two passes run side by side (two cores; the SQLite pass is mostly CPU, the PostgreSQL pass waits on its
# server): the PostgreSQL pass in the foreground, the SQLite pass into a log printed after it. They share no
# database, and the SQLite pass gets the next Redis database, so throttles and caches never meet.
# The worker tests need a database another process can reach, and the browser tests drive pages whose SQL the
# other tests already run, and the API's contract fuzzing checks HTTP, not SQL: they run on PostgreSQL only.
sqlite_dir="$(mktemp -d)"
trap 'rm -rf "$sqlite_dir"' EXIT
sqlite_redis="$(python -c 'import os, urllib.parse as u; p = u.urlsplit(os.environ["REDIS_URL"]); print(u.urlunsplit(p._replace(path="/%d" % ((int(p.path.strip("/") or 0) + 1) % 16))))')"
DATABASE_URL="sqlite:///$sqlite_dir/knoble.sqlite3" REDIS_URL="$sqlite_redis" \
  pytest -p no:cacheprovider -m "not e2e and not integration and not contract" "$@" >"$sqlite_dir/pytest.log" 2>&1 &
sqlite_pid=$!
echo "== pytest on PostgreSQL (the SQLite pass runs beside it)"
postgresql=0; pytest "$@" || postgresql=$?
sqlite=0; wait "$sqlite_pid" || sqlite=$?
echo "== pytest on SQLite (without tests/e2e, tests/integration and the contract fuzzing)"; cat "$sqlite_dir/pytest.log"
[ "$postgresql" -eq 0 ] && [ "$sqlite" -eq 0 ]
