from typing import Any

"""The three roles, created as groups by a data migration. Code checks permissions, never these names."""

STAFF_ROLE = "Staff"
LEADERSHIP_ROLE = "Leadership"
MEMBER_ROLE = "Member"

# Staff manage every model of these apps (plus the beat schedule); activity stays append-only.
STAFF_APPS = (
    "personas",
    "members",
    "roadmap",
    "ecosystem",
    "sharing",
    "voice",
    "outcomes",
    "initiatives",
    "spaces",
    "engagement",
    "campaigns",
    "directory",
    "analytics",
    "translations",
    "django_celery_beat",
)
NEVER_GRANTED = {
    ("members", "change_activity"),
    ("members", "delete_activity"),
    ("members", "add_activity"),
    # The sharing app's two records are append-only too; its admin reads them.
    ("sharing", "add_accesslog"),
    ("sharing", "change_accesslog"),
    ("sharing", "delete_accesslog"),
    ("sharing", "add_labelchange"),
    ("sharing", "change_labelchange"),
    ("sharing", "delete_labelchange"),
}


def sync_roles(*, group_model: Any, permission_model: Any) -> None:
    """Creates the three role groups and grants their permissions; idempotent.

    Takes the models as arguments so that a data migration can pass its historical ones.
    """
    portal = permission_model.objects.filter(content_type__app_label="members", codename="use_portal")
    dashboards = permission_model.objects.filter(content_type__app_label="members", codename="view_dashboards")
    staff_permissions = [
        permission
        for permission in permission_model.objects.filter(content_type__app_label__in=STAFF_APPS).select_related(
            "content_type"
        )
        if (permission.content_type.app_label, permission.codename) not in NEVER_GRANTED
    ]
    grants = {
        STAFF_ROLE: staff_permissions,
        LEADERSHIP_ROLE: [*portal, *dashboards],
        MEMBER_ROLE: list(portal),
    }
    for name, permissions in grants.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(*permissions)
