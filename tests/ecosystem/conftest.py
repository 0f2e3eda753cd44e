import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Red flags are published by staff users; hashing their passwords properly would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
