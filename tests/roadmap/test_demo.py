"""The demo roadmap's dates; what seed_demo loads is checked in tests/knoble/test_seed_demo.py."""

import datetime

from roadmap.demo import demo_first_month


def test_the_demo_roadmap_started_three_months_ago():
    assert demo_first_month(datetime.date(2026, 11, 25)) == datetime.date(2026, 8, 1)
    assert demo_first_month(datetime.date(2027, 2, 3)) == datetime.date(2026, 11, 1)
