"""Translated content: what members read in their language, marked stale with its source's change, the notice,
the translators' queue, e-mail in the recipient's language and query counts that do not grow with languages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.send import _render
from ecosystem.models import RedFlag
from ecosystem.services import red_flag_publish, red_flag_submit, red_flag_update, red_flag_verify
from initiatives.models import InitiativeStatus
from initiatives.services import initiative_save
from tests.campaigns.factories import CampaignStepFactory, DeliveryFactory
from tests.ecosystem.factories import StageFactory, publisher, red_flag, verifier
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory, staff_user
from tests.personas.factories import PersonaFactory
from translations.models import Translation
from translations.services import translation_save

pytestmark = pytest.mark.django_db

SPANISH = {"indicator": "Transacciones con tarjeta concentradas de madrugada", "detail": "Por qué importa."}


def _revise(flag, **fields):
    """A published red flag's change through the review: a draft, submitted, verified by another, published."""
    draft = red_flag_update(red_flag=flag, fields=fields, by=publisher())
    red_flag_submit(red_flag=draft, by=publisher())
    red_flag_verify(red_flag=draft, by=verifier())
    return red_flag_publish(red_flag=draft, by=publisher(), reason="Clearer wording")


def _row(obj, language="es") -> Translation:
    return Translation.objects.get(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, language=language
    )


def test_a_red_flag_revision_marks_its_translations_stale_with_it():
    flag = red_flag(detail="Why it matters.")
    translation_save(obj=flag, language="es", fields=SPANISH)
    translation_save(obj=flag, language="fr", fields={"indicator": "Transactions par carte la nuit"})
    assert not _row(flag).is_stale
    _revise(flag, indicator="Card transactions concentrated between midnight and 4 a.m.")
    assert _row(flag).is_stale
    assert _row(flag, "fr").is_stale
    assert _row(flag).source["indicator"] == "Card transactions concentrated late at night"  # what was translated


def test_a_revision_that_rolls_back_leaves_its_translations_current():
    flag = red_flag()
    translation_save(obj=flag, language="es", fields=SPANISH)
    stale_inside = []

    def revise_then_fail() -> None:
        with transaction.atomic():
            _revise(flag, indicator="A change that never commits")
            stale_inside.append(_row(flag).is_stale)  # inside the transaction, marked with the change
            raise RuntimeError

    with pytest.raises(RuntimeError):
        revise_then_fail()
    assert stale_inside == [True]
    assert not _row(flag).is_stale


def test_a_change_to_what_is_not_translated_leaves_translations_current():
    initiative = InitiativeFactory()
    translation_save(obj=initiative, language="es", fields={"title": "Grupo de trabajo"})
    initiative.status = InitiativeStatus.CLOSED
    initiative_save(initiative=initiative, by=staff_user())
    assert not _row(initiative).is_stale
    initiative.summary = "A new summary."
    initiative_save(initiative=initiative, by=staff_user())
    assert _row(initiative).is_stale


def test_the_stale_notice_shows_until_a_translator_updates_it(client):
    flag = red_flag()
    translation_save(obj=flag, language="es", fields=SPANISH)
    client.force_login(MemberFactory(language="es").user)
    url = reverse("ecosystem:red_flag", args=[flag.pk])
    page = client.get(url).content.decode()
    assert SPANISH["indicator"] in page
    assert "translation-stale" not in page
    _revise(flag, indicator="Card transactions concentrated between midnight and 4 a.m.")
    page = client.get(url).content.decode()
    assert SPANISH["indicator"] in page  # still shown, with the notice
    assert "translation-stale" in page
    assert "The English version changed on" in page or 'class="notice translation-stale"' in page
    translation_save(obj=flag, language="es", fields=SPANISH | {"indicator": "Transacciones de medianoche a 4"})
    page = client.get(url).content.decode()
    assert "translation-stale" not in page
    assert "Transacciones de medianoche a 4" in page


def test_english_readers_see_the_source_and_no_notice(client):
    initiative = InitiativeFactory(title="Working group on rent")
    translation_save(obj=initiative, language="es", fields={"title": "Grupo sobre alquileres"})
    client.force_login(MemberFactory().user)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Working group on rent" in page
    assert "Grupo sobre alquileres" not in page
    assert "translation-" not in page


def test_the_initiatives_list_costs_the_same_queries_whatever_the_number_of_languages(client):
    initiatives = [InitiativeFactory() for _ in range(4)]
    member = MemberFactory(language="es")
    client.force_login(member.user)
    url = reverse("initiatives:list")
    client.get(url)  # warm caches (content types, sessions)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    untranslated = count()
    for initiative in initiatives:
        translation_save(obj=initiative, language="es", fields={"title": f"Iniciativa {initiative.pk}"})
    in_one_language = count()
    for initiative in initiatives:
        translation_save(obj=initiative, language="fr", fields={"title": f"Initiative {initiative.pk}"})
    in_two_languages = count()
    assert untranslated == in_one_language == in_two_languages
    assert "Iniciativa" in client.get(url).content.decode()
    member.language = "en-gb"
    member.save()
    assert count() == in_two_languages - 1  # English reads the source: no lookup at all


def test_a_campaign_step_goes_out_in_the_recipients_language():
    step = CampaignStepFactory(subject="News from The Knoble", body="Dear {name}, a new red flag.")
    translation_save(obj=step, language="es", fields={"subject": "Noticias de The Knoble", "body": "Hola {name}."})
    spanish = DeliveryFactory(step=step, campaign=step.campaign, member=MemberFactory(language="es"))
    english = DeliveryFactory(step=step, campaign=step.campaign, member=MemberFactory())
    templates: dict = {}
    message = _render(spanish, templates)
    assert message.subject == "Noticias de The Knoble"
    assert message.text.startswith("Hola ")
    assert _render(english, templates).subject == "News from The Knoble"


def test_staff_see_missing_and_stale_translations_with_the_source_diff(client, without_mfa_requirement):
    current, stale, missing = red_flag(indicator="One"), red_flag(indicator="Two"), red_flag(indicator="Three")
    translation_save(obj=current, language="es", fields={"indicator": "Uno"})
    translation_save(obj=stale, language="es", fields={"indicator": "Dos"})
    _revise(stale, indicator="Two, reworded")
    client.force_login(staff_user())
    response = client.get(reverse("admin:translations_queue") + "?language=es")
    assert response.status_code == 200
    rows = {row["item"].obj.pk: row for row in response.context["rows"] if row["item"].entry.model is RedFlag}
    assert current.pk not in rows
    assert rows[missing.pk]["item"].state == "missing"
    assert rows[stale.pk]["item"].state == "stale"
    assert rows[stale.pk]["diff"]["indicator"][-2:] == ["-Two", "+Two, reworded"]
    page = response.content.decode()
    assert "+Two, reworded" in page
    # The translator updates it from the queue: current again, made from the new text.
    edit = rows[stale.pk]["url"]
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"indicator": "Dos, reformulado", "detail": ""}).status_code == 302
    assert not _row(stale).is_stale
    assert _row(stale).source["indicator"] == "Two, reworded"
    assert client.get(reverse("admin:translations_queue") + "?language=fr").status_code == 200


def test_members_cannot_reach_the_queue(client):
    client.force_login(MemberFactory().user)
    assert client.get(reverse("admin:translations_queue")).status_code in (302, 403, 404)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_red_flag_library_costs_one_lookup_whatever_the_flags_and_languages(client):
    stage = StageFactory()
    flags = [red_flag(stage=stage, indicator=f"Indicator {index}") for index in range(3)]
    member = MemberFactory(language="es")
    client.force_login(member.user)
    url = reverse("ecosystem:library")
    client.get(url)
    few = _count(client, url)
    flags += [red_flag(stage=stage, indicator=f"Indicator {index}") for index in range(3, 8)]
    for flag in flags:
        for language in ("es", "fr"):
            translation_save(obj=flag, language=language, fields={"indicator": f"{language} {flag.indicator}"})
    client.get(url)  # new red flags: the library's cached filter choices are read again once
    assert _count(client, url) == few
    assert "es Indicator 7" in client.get(url).content.decode()
    member.language = "en-gb"
    member.save()
    assert _count(client, url) == few - 1


def test_the_profile_offers_the_personas_in_the_members_language(client):
    personas = [PersonaFactory(name=f"Persona {index}") for index in range(3)]
    member = MemberFactory(language="fr")
    client.force_login(member.user)
    url = reverse("members:profile")
    client.get(url)
    untranslated = _count(client, url)
    for persona in personas:
        for language in ("es", "fr"):
            translation_save(obj=persona, language=language, fields={"name": f"{language} {persona.name}"})
    assert _count(client, url) == untranslated
    page = client.get(url).content.decode()
    assert "fr Persona 2" in page
    assert "es Persona 2" not in page


def test_the_queue_costs_the_same_queries_whatever_the_translations(client, without_mfa_requirement):
    flags = [red_flag(indicator=f"Flag {index}") for index in range(2)]
    client.force_login(staff_user())
    url = reverse("admin:translations_queue") + "?language=es"
    client.get(url)
    before = _count(client, url)
    for flag in flags:
        for language in ("es", "fr"):
            translation_save(obj=flag, language=language, fields={"indicator": "…"})
    flags += [red_flag(indicator=f"Flag {index}") for index in range(2, 6)]
    assert _count(client, url) == before
