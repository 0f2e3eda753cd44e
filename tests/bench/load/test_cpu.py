import subprocess
import sys

import psutil

from bench.load.cpu import CpuLedger


def _busy_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"])


def test_a_process_that_exits_keeps_the_time_it_was_last_seen_with():
    child = _busy_child()
    ledger = CpuLedger()
    process = psutil.Process(child.pid)
    seen = 0.0
    while child.poll() is None:
        ledger.record([process])
        seen = ledger.total()
    ledger.record([process])  # gone by now: nothing is lost and nothing raises

    assert ledger.total() == seen
    assert child.pid in ledger.seen


def test_the_total_adds_every_process_seen():
    ledger = CpuLedger()
    ledger.record([psutil.Process()])
    own = ledger.total()

    assert own > 0
    assert set(ledger.seen) == {psutil.Process().pid}
