"""How a run of figures is shown and kept: one table, and `bench/results.json` to compare runs.

Pure functions over `Figure` lists, so that `make bench` and `make loadtest` print and record the same way.
"""

import json
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import Figure

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
ROOT = Path(__file__).resolve().parent.parent
KEPT_RUNS = 50  # enough history to compare, small enough to read in a diff
HEADERS = ("figure", "ours", "raw reference", "ratio", "target", "ok?")


@dataclass(frozen=True)
class Outcome:
    """One benchmark module's figures, or the error that stopped it."""

    module: str
    figures: Sequence[Figure] = ()
    error: str | None = None


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f} {unit}"


def format_target(figure: Figure) -> str:
    if figure.reference is not None:
        return f"≤ {figure.target:g}×"
    return f"≤ {format_value(figure.target, figure.unit)}"


def rows(outcomes: Sequence[Outcome]) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for outcome in outcomes:
        if outcome.error is not None:
            table.append((f"{outcome.module}: failed to run", "—", "—", "—", "—", "ERROR"))
            continue
        if not outcome.figures:
            table.append((f"{outcome.module}: measured nothing", "—", "—", "—", "—", "MISS"))
        for figure in outcome.figures:
            ratio = figure.ratio
            table.append(
                (
                    figure.name,
                    format_value(figure.ours, figure.unit),
                    format_value(figure.reference, figure.unit),
                    "—" if ratio is None else f"{ratio:.2f}×",
                    format_target(figure),
                    "ok" if figure.met else "MISS",
                )
            )
    return table


def markdown_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """A plain-text table that also reads as Markdown (docs/PERFORMANCE.md pastes it as it is)."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), separator, *(line(row) for row in body)])


def render_table(outcomes: Sequence[Outcome]) -> str:
    return markdown_table(HEADERS, rows(outcomes))


def all_met(outcomes: Sequence[Outcome]) -> bool:
    """False when a module failed, or returned nothing, or a figure missed its target."""
    return bool(outcomes) and all(
        outcome.error is None and outcome.figures and all(figure.met for figure in outcome.figures)
        for outcome in outcomes
    )


def exit_code(outcomes: Sequence[Outcome]) -> int:
    return 0 if all_met(outcomes) else 1


def git_commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:  # fixed arguments, no outside input
        head = subprocess.run([git, "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
        dirty = subprocess.run([git, "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    total_memory = None
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        total_memory = int(meminfo[0].split()[1]) // 1024  # "MemTotal: N kB"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "host": platform.node(),
        "system": f"{platform.system()} {platform.release()}",
        "architecture": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_mb": total_memory,
        "python": platform.python_version(),
    }


def run_record(kind: str, outcomes: Sequence[Outcome], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        **extra,
        "ok": all_met(outcomes),
        "figures": [
            {
                "module": outcome.module,
                "name": figure.name,
                "ours": figure.ours,
                "reference": figure.reference,
                "ratio": figure.ratio,
                "target": figure.target,
                "unit": figure.unit,
                "met": figure.met,
            }
            for outcome in outcomes
            for figure in outcome.figures
        ],
        "errors": {outcome.module: outcome.error for outcome in outcomes if outcome.error is not None},
    }


def append_run(record: dict[str, Any], path: Path = RESULTS_PATH) -> None:
    """Adds a run to the file's history (newest last), keeping the latest KEPT_RUNS."""
    runs: list[dict[str, Any]] = []
    if path.exists():
        try:
            runs = json.loads(path.read_text()).get("runs", [])
        except (json.JSONDecodeError, AttributeError):
            runs = []  # a hand-mangled file must not stop a benchmark run from being kept
    runs = [*runs, record][-KEPT_RUNS:]
    path.write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False) + "\n")
