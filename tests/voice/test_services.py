import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from members.models import Activity, Member, Origin, Verb
from tests.members.factories import MemberFactory, staff_user
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import OpportunityFactory
from tests.voice.factories import IdeaFactory
from voice.activity import VOICE_VERBS
from voice.models import Follow, Idea, IdeaStatus, Importance, Vote
from voice.selectors import supporter_ids, vote_tally
from voice.services import (
    comment_add,
    follow_set,
    idea_decline,
    idea_merge,
    idea_submit,
    idea_triage,
    vote_cast,
    vote_withdraw,
)

pytestmark = pytest.mark.django_db


def test_a_member_submits_an_idea_serving_their_jobs_and_follows_it():
    persona = PersonaFactory()
    job = JobFactory(persona=persona)
    member = MemberFactory(persona=persona)
    idea = idea_submit(member=member, title=" A shared library ", problem="We each rebuild it.", jobs=[job])
    assert idea.title == "A shared library"
    assert list(idea.jobs.all()) == [job]
    assert Follow.objects.filter(member=member, idea=idea).exists()


def test_the_jobs_must_be_the_members_own_personas():
    member = MemberFactory(persona=PersonaFactory())
    other_job = JobFactory()
    with pytest.raises(ValidationError):
        idea_submit(member=member, title="Idea", problem="Problem", jobs=[other_job])
    assert not Idea.objects.exists()


def test_a_pending_member_cannot_submit_or_vote():
    member = MemberFactory(status=Member.Status.PENDING)
    with pytest.raises(ValidationError):
        idea_submit(member=member, title="Idea", problem="Problem")
    with pytest.raises(ValidationError):
        vote_cast(member=member, idea=IdeaFactory())


def test_submitting_and_voting_are_the_members_own_acts():
    member = MemberFactory()
    idea = idea_submit(member=member, title="Idea", problem="Problem")
    vote_cast(member=MemberFactory(), idea=idea)
    recorded = Activity.objects.filter(verb__in=VOICE_VERBS).order_by("id")
    assert [(row.verb, row.origin, row.subject) for row in recorded] == [
        (Verb.IDEA_SUBMITTED, Origin.MEMBER, idea),
        (Verb.IDEA_VOTED, Origin.MEMBER, idea),
    ]


def test_one_vote_per_member_and_item_a_second_only_changes_importance():
    member, idea = MemberFactory(), IdeaFactory()
    vote_cast(member=member, idea=idea)
    vote = vote_cast(member=member, idea=idea, importance=Importance.CRITICAL)
    assert Vote.objects.filter(member=member, idea=idea).count() == 1
    assert vote.importance == Importance.CRITICAL
    assert vote_withdraw(member=member, idea=idea)
    assert not Vote.objects.exists()


def test_the_database_refuses_a_second_vote_and_a_vote_with_two_targets():
    member, idea, opportunity = MemberFactory(), IdeaFactory(), OpportunityFactory()
    Vote.objects.create(member=member, idea=idea)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(member=member, idea=idea)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(member=member, idea=idea, opportunity=opportunity)


def test_unknown_importance_is_refused():
    with pytest.raises(ValidationError):
        vote_cast(member=MemberFactory(), idea=IdeaFactory(), importance="urgent")


def test_follow_is_idempotent():
    member, idea = MemberFactory(), IdeaFactory()
    assert follow_set(member=member, idea=idea, follow=True)
    assert follow_set(member=member, idea=idea, follow=True)
    assert Follow.objects.filter(member=member, idea=idea).count() == 1
    assert not follow_set(member=member, idea=idea, follow=False)
    assert not Follow.objects.exists()


def test_comment_needs_a_body():
    with pytest.raises(ValidationError):
        comment_add(member=MemberFactory(), idea=IdeaFactory(), body="   ")


def test_merging_keeps_every_vote_and_follower_exactly_once():
    keep, duplicate = IdeaFactory(), IdeaFactory()
    both, only_keep, only_duplicate = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (both, only_keep):
        vote_cast(member=member, idea=keep)
        follow_set(member=member, idea=keep, follow=True)
    for member in (both, only_duplicate):
        vote_cast(member=member, idea=duplicate, importance=Importance.IMPORTANT)
        follow_set(member=member, idea=duplicate, follow=True)

    idea_merge(idea=duplicate, into=keep, by=staff_user())

    duplicate.refresh_from_db()
    assert duplicate.status == IdeaStatus.MERGED
    assert duplicate.merged_into == keep
    voters = sorted(Vote.objects.filter(idea=keep).values_list("member_id", flat=True))
    followers = sorted(Follow.objects.filter(idea=keep).values_list("member_id", flat=True))
    expected = sorted([both.pk, only_keep.pk, only_duplicate.pk])
    assert voters == expected
    assert followers == expected
    assert not Vote.objects.filter(idea=duplicate).exists()
    # The member who voted for both keeps the vote they gave the idea that stays.
    assert Vote.objects.get(idea=keep, member=both).importance == ""


def test_merged_ideas_refuse_votes_and_a_second_merge():
    keep, duplicate = IdeaFactory(), IdeaFactory()
    idea_merge(idea=duplicate, into=keep, by=None)
    with pytest.raises(ValidationError):
        vote_cast(member=MemberFactory(), idea=duplicate)
    with pytest.raises(ValidationError):
        idea_merge(idea=duplicate, into=keep, by=None)
    with pytest.raises(ValidationError):
        idea_merge(idea=keep, into=keep, by=None)


def test_triage_into_a_new_opportunity_carries_the_jobs_and_counts_each_supporter_once():
    persona = PersonaFactory()
    job = JobFactory(persona=persona)
    author = MemberFactory(persona=persona)
    idea = idea_submit(member=author, title="Shared library", problem="We each rebuild it.", jobs=[job])
    other = IdeaFactory()
    voter = MemberFactory(persona=persona)
    vote_cast(member=voter, idea=idea, importance=Importance.NICE)
    vote_cast(member=voter, idea=other, importance=Importance.CRITICAL)
    staff = staff_user()

    opportunity = idea_triage(idea=idea, by=staff)
    idea_triage(idea=other, by=staff, opportunity=opportunity)
    vote_cast(member=voter, opportunity=opportunity)

    assert opportunity.title == "Shared library"
    assert list(opportunity.jobs.all()) == [job]
    assert opportunity.history.first().history_user == staff
    assert supporter_ids(opportunity=opportunity) == {voter.pk}
    tally = vote_tally(opportunity=opportunity)
    assert tally.total == 1
    assert tally.by_persona == [(persona.name, 1)]
    assert tally.by_sector == [("Financial institution", 1)]
    assert tally.by_importance == [("critical", 1)]


def test_declined_ideas_cannot_be_triaged():
    idea = idea_decline(idea=IdeaFactory(), by=None, note="Out of scope")
    assert idea.staff_note == "Out of scope"
    with pytest.raises(ValidationError):
        idea_triage(idea=idea, by=None)
