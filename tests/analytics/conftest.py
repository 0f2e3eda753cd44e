import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests create members by the dozen; a deliberately slow hash would dominate their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
