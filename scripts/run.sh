#!/bin/sh
# `make run`: the embedded demo. Every variable below may be overridden from the environment.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
export KNOBLE_REQUIRE_MFA="${KNOBLE_REQUIRE_MFA:-false}"
export KNOBLE_PORT="${KNOBLE_PORT:-8000}"
export SITE_URL="${SITE_URL:-http://localhost:$KNOBLE_PORT}"
export EMAIL_URL="${EMAIL_URL:-consolemail://}"
export DEMO_PASSWORD="${DEMO_PASSWORD:-knoble-demo}"
export PYTHONUNBUFFERED=1
mkdir -p var/broker/queue var/broker/processed

python manage.py migrate --noinput
python manage.py seed_demo

cat <<BANNER

  The Knoble Portal is starting at $SITE_URL/
  Admin: $SITE_URL/admin/    API docs: $SITE_URL/api/docs/
  Database: ${DATABASE_URL:-SQLite in var/knoble.sqlite3}
  Broker:   ${REDIS_URL:-filesystem queue in var/broker (no server needed)}
  E-mail is printed here in the terminal (EMAIL_URL=$EMAIL_URL), including sign-up verification links.
BANNER
if [ "$KNOBLE_REQUIRE_MFA" = "false" ]; then
  echo "  Demo mode: staff and leadership are NOT required to set up MFA (KNOBLE_REQUIRE_MFA=false)."
fi
echo "  Press Ctrl-C to stop the web server, the Celery worker and beat."
echo
exec honcho start -f Procfile
