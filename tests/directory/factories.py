import factory

from directory.models import DirectoryProfile, Expertise, ExpertiseKind
from tests.members.factories import MemberFactory


class ExpertiseFactory(factory.django.DjangoModelFactory[Expertise]):
    class Meta:
        model = Expertise

    name = factory.Sequence(lambda n: f"Expertise {n}")
    kind = ExpertiseKind.SKILL


class ProfileFactory(factory.django.DjangoModelFactory[DirectoryProfile]):
    class Meta:
        model = DirectoryProfile

    member = factory.SubFactory(MemberFactory)
    phone = factory.Sequence(lambda n: f"+44 20 7946 {n:04d}")
