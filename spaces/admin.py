"""Staff read the spaces' records here; writes go through the space pages (and their services), where the
moderation log, labels and notifications are kept."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from spaces.models import ActionItem, Document, ModerationAction, Post, PostReport, Space, Thread


@admin.register(Space)
class SpaceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Space]):
    list_display = ["initiative", "created_at"]
    list_select_related = ["initiative"]


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin[Thread]):
    list_display = ["title", "space", "label", "pinned", "locked", "last_post_at"]
    list_filter = ["label", "pinned", "locked"]
    list_select_related = ["space__initiative"]
    search_fields = ["title"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin[Post]):
    list_display = ["thread", "author", "label", "created_at", "edited_at", "hidden_at"]
    list_filter = ["label"]
    list_select_related = ["thread", "author__user"]


@admin.register(PostReport)
class PostReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PostReport]):
    list_display = ["post", "reporter", "created_at", "resolved_at"]
    list_select_related = ["post__thread", "reporter__user"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ModerationAction]):
    list_display = ["kind", "thread", "by", "reason", "at"]
    list_filter = ["kind"]
    list_select_related = ["thread", "by"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Document]):
    list_display = ["title", "space", "label", "updated_at"]
    list_filter = ["label"]
    list_select_related = ["space__initiative"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin[ActionItem]):
    list_display = ["title", "space", "owner", "due_on", "state", "reminded_at"]
    list_filter = ["state"]
    list_select_related = ["space__initiative", "owner__user"]
