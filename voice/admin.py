from django.contrib import admin

from voice.models import Comment, Follow, Idea, RevisionNotice, Vote


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin[Idea]):
    list_display = ["title", "status", "opportunity", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "problem"]
    raw_id_fields = ["author", "merged_into", "opportunity"]
    filter_horizontal = ["jobs"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ["member", "idea", "opportunity", "importance", "created_at"]
    list_filter = ["importance"]
    raw_id_fields = ["member", "idea", "opportunity"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin[Follow]):
    list_display = ["member", "idea", "opportunity", "created_at"]
    raw_id_fields = ["member", "idea", "opportunity"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ["idea", "author", "created_at"]
    raw_id_fields = ["idea", "author"]


@admin.register(RevisionNotice)
class RevisionNoticeAdmin(admin.ModelAdmin[RevisionNotice]):
    list_display = ["revision", "notified", "created_at"]
    readonly_fields = ["revision", "notified", "created_at"]
