import datetime

import factory
from django.utils import timezone

from sharing.models import Registration314b, SharingGroup
from tests.members.factories import OrganisationFactory, staff_user


class SharingGroupFactory(factory.django.DjangoModelFactory[SharingGroup]):
    class Meta:
        model = SharingGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sharing group {n}")
    owner = factory.LazyFunction(staff_user)

    @factory.post_generation
    def organisations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.organisations.add(*extracted)


class Registration314bFactory(factory.django.DjangoModelFactory[Registration314b]):
    class Meta:
        model = Registration314b

    organisation = factory.SubFactory(OrganisationFactory)
    registered_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=65))
