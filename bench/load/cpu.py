"""CPU time of a group of processes that may come and go (gunicorn recycles its workers)."""

import psutil


class CpuLedger:
    """CPU seconds kept per process, so that the time of a worker that has since exited is not lost."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}

    def record(self, processes: list[psutil.Process]) -> None:
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue  # exited between listing and sampling: its last sample stands
            self.seen[process.pid] = times.user + times.system

    def total(self) -> float:
        return sum(self.seen.values())
