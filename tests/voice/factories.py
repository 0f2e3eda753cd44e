import factory

from tests.members.factories import MemberFactory
from voice.models import Idea


class IdeaFactory(factory.django.DjangoModelFactory[Idea]):
    """An open idea; prefer `voice.services.idea_submit` where the author's follow matters."""

    class Meta:
        model = Idea

    author = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"Shared typology library {n}")
    problem = "Every bank rebuilds the same red-flag list for illicit massage businesses on its own."
