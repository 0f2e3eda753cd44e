"""The load test's simulated users (locustfile.py); bench/loadtest.py runs them."""
