"""Under CI every service the suite needs must be there: a missing one fails here, with what to do."""

import os
import shutil
import socket
import sys
from urllib.parse import urlparse


def reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=3):
            return True
    except OSError:
        return False


problems = []
if not reachable(os.environ["DATABASE_URL"], 5432):
    problems.append("PostgreSQL is not reachable at DATABASE_URL (start it: .ci/run does so)")
if not reachable(os.environ["REDIS_URL"], 6379):
    problems.append("Redis is not reachable at REDIS_URL (start it: .ci/run does so)")
if not shutil.which(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
    problems.append("Chromium is missing (apt-get install -y chromium; .ci/run does so)")
if problems:
    sys.exit("CI=true needs real services:\n  - " + "\n  - ".join(problems))
print("services: PostgreSQL, Redis and Chromium are available")
