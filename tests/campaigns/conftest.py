import pytest

from campaigns.advance import campaigns_advance


@pytest.fixture
def run_engine(django_capture_on_commit_callbacks):
    """One engine run as beat would do it; the sends it enqueues run eagerly (locmem e-mail)."""

    def run(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return campaigns_advance(**kwargs)

    return run
