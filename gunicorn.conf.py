"""gunicorn's settings for production and the load test alike: gunicorn reads ./gunicorn.conf.py by itself.

    gunicorn knoble.wsgi --bind 127.0.0.1:8000        # from the project directory

The portal's requests spend their time in Python and in PostgreSQL, so the usual rule holds:
(2 × cores) + 1 synchronous workers, five on a two-core machine; WEB_CONCURRENCY overrides it.
"""

import multiprocessing
import os
from pathlib import Path

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# Django is imported once in the master and shared by the forked workers: faster starts, less memory.
preload_app = True
timeout = 30
graceful_timeout = 20
# A worker is replaced after this many requests, so a slow leak can never outgrow the memory budget.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on a disk can stall workers when the disk is busy; tmpfs cannot.
if Path("/dev/shm").is_dir():  # noqa: S108 - gunicorn's documented choice, not a temporary file we write
    worker_tmp_dir = "/dev/shm"  # noqa: S108
