"""The five roles of the permission matrix, each with its own API token."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from members.models import Member, User
from members.services import api_token_create
from tests.members.factories import MemberFactory, leadership_user, staff_user

ROLES = ("anonymous", "pending", "member", "leadership", "staff")


@dataclass
class Caller:
    role: str
    user: User | None
    member: Member | None
    client: APIClient


def authorization_for(user: User | None) -> str | None:
    """The Authorization header of a new API token of `user` (None for a visitor)."""
    if user is None:
        return None
    _, secret = api_token_create(user=user, name="tests")
    return f"Bearer {secret}"


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if (authorization := authorization_for(user)) is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def user_in_role(role: str) -> tuple[User | None, Member | None]:
    member: Member | None = None
    user: User | None
    if role == "anonymous":
        user = None
    elif role == "pending":
        member = MemberFactory.create(status=Member.Status.PENDING)
        user = member.user
    elif role == "member":
        member = MemberFactory.create()
        user = member.user
    elif role == "leadership":
        user = leadership_user()
        member = MemberFactory.create(user=user)
    else:
        user = staff_user()
    return user, member


def make_caller(role: str) -> Caller:
    user, member = user_in_role(role)
    return Caller(role=role, user=user, member=member, client=client_for(user))


@pytest.fixture
def callers(db) -> dict[str, Caller]:
    return {role: make_caller(role) for role in ROLES}


def assert_list_queries_constant(django_assert_num_queries, client, url, grow, queries: int) -> None:
    """The same number of queries before and after `grow()` adds rows: no N+1 in the list."""
    client.get(url)  # the token's first use writes its last_used_at; later calls in the minute do not
    with django_assert_num_queries(queries):
        before = client.get(url).json()
    grow()
    with django_assert_num_queries(queries):
        after = client.get(url).json()
    assert len(after["results"]) > len(before["results"])
