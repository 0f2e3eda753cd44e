from initiatives.models import Initiative, Participation, ParticipationStatus
from members.models import Member
from spaces import services
from spaces.models import Post, Thread
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, staff_user


def working_group(**kwargs) -> Initiative:
    """An open initiative led by a member of staff."""
    return InitiativeFactory.create(lead=staff_user(first_name="Lena", last_name="Lead"), **kwargs)


def participant(initiative: Initiative, *, status: str = ParticipationStatus.ACTIVE, **kwargs) -> Member:
    member = MemberFactory.create(**kwargs)
    ParticipationFactory(member=member, initiative=initiative, status=status)
    return member


def left(initiative: Initiative, **kwargs) -> Member:
    member = participant(initiative, **kwargs)
    Participation.objects.filter(member=member).update(status=ParticipationStatus.LEFT, left_at=member.user.date_joined)
    return member


def thread(initiative: Initiative, author: Member, *, replies: int = 0, title: str = "Shared typologies") -> Thread:
    started = services.thread_start(initiative=initiative, member=author, title=title, body="The **opening** post.")
    for n in range(replies):
        services.post_reply(thread=started, member=author, body=f"Reply {n}")
    return started


def first_post(started: Thread) -> Post:
    return started.posts.order_by("id").first()  # type: ignore[return-value]
