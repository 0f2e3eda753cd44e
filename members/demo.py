"""Demo organisations, the three demo logins and a few dozen members, for `manage.py seed_demo`. The
organisations, the names the members are made from and their job titles are `demo/members/members.json`."""

import random
from datetime import timedelta
from functools import cache

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from core.demo_files import demo_json
from members.consent import consent_give, email_consent_wording
from members.models import (
    Activity,
    ConsentMethod,
    Member,
    Organisation,
    OrganisationDomain,
    Origin,
    Source,
    User,
    Verb,
)
from members.roles import LEADERSHIP_ROLE, MEMBER_ROLE, STAFF_ROLE


@cache
def _demo_password_hash(password: str, hashers: tuple[str, ...]) -> str:
    """Hashed once per run: every demo account has the same published password, and hashing it anew for each
    of the few dozen accounts (deliberately slow) cost `make run`'s first start about twenty seconds. The hashers
    are part of the key only: a run with other settings (the tests' fast hasher) gets a hash of its own."""
    return make_password(password)


def _user(email: str, first: str, last: str, *, is_staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
    )
    if created:
        user.password = _demo_password_hash(settings.DEMO_PASSWORD, tuple(settings.PASSWORD_HASHERS))
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _member(user: User, organisation: Organisation, title: str, status: str, joined_days_ago: int) -> Member:
    member, created = Member.objects.get_or_create(
        user=user, defaults={"organisation": organisation, "job_title": title, "status": status}
    )
    if created:
        joined = timezone.now() - timedelta(days=joined_days_ago)
        Member.objects.filter(pk=member.pk).update(created_at=joined, status_changed_at=joined + timedelta(days=2))
        events = [Activity(member=member, verb=Verb.SIGNED_UP, occurred_at=joined, source=Source.WEB)]
        if status == Member.Status.APPROVED:
            events.append(
                Activity(
                    member=member,
                    verb=Verb.APPROVED,
                    occurred_at=joined + timedelta(days=2),
                    source=Source.ADMIN,
                    origin=Origin.STAFF,
                )
            )
            user.groups.add(Group.objects.get(name=MEMBER_ROLE))
        Activity.objects.bulk_create(events)
        # The demo's members ticked the box at sign-up, so that its campaigns show e-mail as well as the inbox.
        consent_give(member=member, how=ConsentMethod.SIGN_UP, wording=email_consent_wording())
    return member


def seed() -> list[tuple[str, str]]:
    """Idempotent: running it again adds nothing that is already there. Returns the demo logins."""
    rng = random.Random(20261125)
    data = demo_json("members/members.json")
    first_names, last_names, titles = data["first_names"], data["last_names"], data["job_titles"]
    organisations = []
    domains = {}
    for row in data["organisations"]:
        organisation, _ = Organisation.objects.get_or_create(
            name=row["name"], defaults={"sector": row["sector"], "country": row["country"]}
        )
        domain = row["domain"]
        OrganisationDomain.objects.get_or_create(domain=domain, defaults={"organisation": organisation})
        organisations.append(organisation)
        domains[organisation.pk] = domain

    staff = _user("staff@example.org", "Sam", "Staff", is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_ROLE))
    leader = _user("leader@example.org", "Lee", "Leader")
    leader.groups.add(Group.objects.get(name=LEADERSHIP_ROLE))
    bank = organisations[0]
    _member(_user("member@example.org", "Morgan", "Member"), bank, "AML Investigator", Member.Status.APPROVED, 400)

    for index in range(36):
        first, last = first_names[index % len(first_names)], last_names[(index * 7) % len(last_names)]
        organisation = organisations[index % len(organisations)]
        user = _user(f"{first.lower()}.{last.lower()}@{domains[organisation.pk]}", first, last)
        status = Member.Status.PENDING if index % 9 == 8 else Member.Status.APPROVED
        title = rng.choice(titles[organisation.sector])
        _member(user, organisation, title, status, joined_days_ago=rng.randint(5, 540))

    return [
        ("staff@example.org", "staff: admin and roadmap"),
        ("leader@example.org", "leadership: dashboards"),
        ("member@example.org", "member of Northbridge Regional Bank"),
    ]
