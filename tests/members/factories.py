import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from members.models import Member, Organisation, OrganisationDomain, Sector, User
from members.roles import LEADERSHIP_ROLE, MEMBER_ROLE, STAFF_ROLE

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.net")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    sector = Sector.FINANCIAL_INSTITUTION
    country = "GB"


class OrganisationDomainFactory(factory.django.DjangoModelFactory[OrganisationDomain]):
    class Meta:
        model = OrganisationDomain

    organisation = factory.SubFactory(OrganisationFactory)
    domain = factory.Sequence(lambda n: f"org{n}.example")


class MemberFactory(factory.django.DjangoModelFactory[Member]):
    """An approved member with portal access; pass status=Member.Status.PENDING for a pending one."""

    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "AML Investigator"
    status = Member.Status.APPROVED
    # Most tests are about members who agreed to e-mail; consent tests pass False or go through `members.consent`.
    consent_email = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and obj.status == Member.Status.APPROVED:
            obj.user.groups.add(Group.objects.get(name=MEMBER_ROLE))


def staff_user(**kwargs) -> User:
    user = UserFactory.create(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=STAFF_ROLE))
    return user


def leadership_user(**kwargs) -> User:
    user = UserFactory.create(**kwargs)
    user.groups.add(Group.objects.get(name=LEADERSHIP_ROLE))
    return user
