from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("awaiting-approval/", views.awaiting_approval, name="awaiting_approval"),
    path("profile/", views.profile, name="profile"),
    path("activity/", views.my_activity, name="activity"),
    path("profile/api-tokens/", views.api_tokens, name="api_tokens"),
    path("profile/api-tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
