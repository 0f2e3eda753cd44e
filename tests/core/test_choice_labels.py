"""label_of shows what get_FOO_display shows, in the reader's language."""

import pytest
from django.template import Context, Template
from django.utils import translation

from initiatives.models import Initiative, InitiativeKind, InitiativeStatus


@pytest.mark.parametrize("language", ["en-gb", "es", "fr"])
@pytest.mark.parametrize("kind", InitiativeKind.values)
def test_the_same_as_get_display(language, kind):
    initiative = Initiative(kind=kind, status=InitiativeStatus.OPEN)
    with translation.override(language):
        written = Template('{% load choice_labels %}{{ initiative|label_of:"kind" }}').render(
            Context({"initiative": initiative})
        )
        assert written == str(initiative.get_kind_display())


def test_a_value_outside_the_choices_is_shown_as_it_is():
    initiative = Initiative(kind="retired", status=InitiativeStatus.OPEN)
    assert Template('{% load choice_labels %}{{ i|label_of:"kind" }}').render(Context({"i": initiative})) == "retired"
