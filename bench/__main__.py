"""`make bench`: every benchmark in bench/ against PostgreSQL and Redis, one table, bench/results.json.

    make bench                                   # all of them, median of 3 runs each
    python -m bench --only dashboards --repeats 5
    python -m bench --scale 4 --only dashboards  # on 4× the data, in its own database (knoble_bench_x4)

A benchmark is any module `bench/<name>.py` that defines `figures(*, repeats) -> list[Figure]`. The data
set of bench/generate.py is made on the first run and reused afterwards. DATABASE_URL defaults to the
`knoble_bench` database on 127.0.0.1 (created when missing) and REDIS_URL to 127.0.0.1, like CI.
Exits 1 when a figure misses its target or a benchmark fails, 2 when a service is missing.
"""

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType

import bench
from bench.environment import ServiceMissing, check_services, ensure_database, use_defaults, use_scale
from bench.harness import Figure
from bench.report import Outcome, append_run, exit_code, render_table, run_record

# Modules of the package that are machinery, not benchmarks (and some start Django on import).
INFRASTRUCTURE = frozenset({"__main__", "environment", "generate", "harness", "load", "loadtest", "report"})


def benchmark_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if info.name not in INFRASTRUCTURE)


def load_benchmark(name: str) -> Callable[..., list[Figure]] | None:
    module: ModuleType = importlib.import_module(f"bench.{name}")
    figures = getattr(module, "figures", None)
    return figures if callable(figures) else None


def run_benchmarks(names: Sequence[str], *, repeats: int) -> list[Outcome]:
    """Runs each benchmark in turn; one that raises is reported and does not stop the others."""
    outcomes = []
    for name in names:
        print(f"running bench.{name} …", file=sys.stderr, flush=True)
        try:
            figures = load_benchmark(name)
            if figures is None:
                continue
            outcomes.append(Outcome(module=name, figures=list(figures(repeats=repeats))))
        except Exception:  # one broken benchmark must not hide the figures of the others
            traceback.print_exc()
            outcomes.append(Outcome(module=name, error=traceback.format_exc(limit=3)))
    return outcomes


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", metavar="MODULE", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is kept (default 3)")
    parser.add_argument("--no-save", action="store_true", help="print the table without adding to results.json")
    parser.add_argument(
        "--scale", type=int, default=1, help="run on N times the data set, generated in <database>_xN (default 1)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    known = benchmark_names()
    for name in args.only or []:
        if name not in known:
            parser.error(f"no benchmark called {name!r}; there are: {', '.join(known) or 'none'}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_defaults()
    use_scale(args.scale)
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    try:
        check_services(database_url, redis_url)
    except ServiceMissing as missing:
        print(f"make bench needs PostgreSQL and Redis: {missing}", file=sys.stderr)
        return 2
    ensure_database(database_url)

    from bench import generate  # starts Django on the database checked above

    generate.main([])  # at the scale chosen above
    outcomes = run_benchmarks(args.only or benchmark_names(), repeats=args.repeats)
    print(render_table(outcomes))
    if not args.no_save:
        append_run(run_record("bench", outcomes, repeats=args.repeats, scale=args.scale))
    code = exit_code(outcomes)
    if code:
        print("at least one figure missed its target or a benchmark failed", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
