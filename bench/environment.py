"""The services a benchmark or the load test runs against: PostgreSQL and Redis on 127.0.0.1 unless told.

Checked before Django starts, so a missing service is one clear sentence rather than a traceback.
"""

import argparse
import os
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/knoble_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SCALE_VARIABLE = "KNOBLE_BENCH_SCALE"


class ServiceMissing(Exception):
    """PostgreSQL or Redis cannot be reached; the message says which and how to point at it."""


def use_defaults() -> tuple[str, str]:
    """Fills DATABASE_URL and REDIS_URL like CI does when they are unset; returns them."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    return os.environ["DATABASE_URL"], os.environ["REDIS_URL"]


def scale_argument(argv: Sequence[str]) -> int:
    """The `--scale N` of a command line (1 when absent), read before Django starts: it names the database."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--scale", type=int, default=1)
    known, _ = parser.parse_known_args(argv)
    if known.scale < 1:
        raise SystemExit("--scale must be at least 1")
    return int(known.scale)


def scaled_database_url(url: str, scale: int) -> str:
    """Scale 1 is the database named; scale N its sibling `<name>_xN`, so data sets of every scale coexist."""
    return url if scale == 1 else with_database(url, f"{database_name(url)}_x{scale}")


def use_scale(scale: int) -> None:
    """Points DATABASE_URL at the data set of `scale` and tells the generator (run by every benchmark) its size."""
    if os.environ.get(SCALE_VARIABLE, "1") == str(scale):
        return
    os.environ["DATABASE_URL"] = scaled_database_url(os.environ["DATABASE_URL"], scale)
    os.environ[SCALE_VARIABLE] = str(scale)


def current_scale() -> int:
    return int(os.environ.get(SCALE_VARIABLE, "1"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_exists(url: str) -> bool:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]).fetchone() is not None


def ensure_database(url: str) -> bool:
    """Creates the named database when it is missing; True when it was created."""
    if database_exists(url):
        return False
    with psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{database_name(url)}"')
    return True


def check_services(database_url: str, redis_url: str) -> None:
    """Raises ServiceMissing unless the URL is PostgreSQL, its server answers and Redis answers."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise ServiceMissing(f"Benchmarks need PostgreSQL, but DATABASE_URL is {database_url!r}.")
    try:
        with psycopg.connect(with_database(database_url, "postgres"), connect_timeout=5):
            pass
    except psycopg.OperationalError as error:
        raise ServiceMissing(
            f"PostgreSQL does not answer at {urlsplit(database_url).hostname}:{urlsplit(database_url).port or 5432} "
            f"({str(error).strip().splitlines()[0]}). Start it, or set DATABASE_URL=postgres://user@host:port/name."
        ) from error
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise ServiceMissing(
            f"Redis does not answer at {redis_url} ({error}). Start it, or set REDIS_URL=redis://host:port/db."
        ) from error
