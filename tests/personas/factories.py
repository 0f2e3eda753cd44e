import factory

from personas.models import JobToBeDone, Persona, Sector


class PersonaFactory(factory.django.DjangoModelFactory[Persona]):
    class Meta:
        model = Persona

    name = factory.Sequence(lambda n: f"Persona {n}")
    sector = Sector.FINANCIAL_INSTITUTION
    summary = "Investigates suspicious activity at a regional bank."


class JobFactory(factory.django.DjangoModelFactory[JobToBeDone]):
    class Meta:
        model = JobToBeDone

    persona = factory.SubFactory(PersonaFactory)
    situation = "an alert fires on a cash-intensive business"
    motivation = "see the typology's red flags"
    outcome = "decide whether to file a report"
    importance = 8
    satisfaction = 4
