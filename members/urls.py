from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("awaiting-approval/", views.awaiting_approval, name="awaiting_approval"),
    path("profile/", views.profile, name="profile"),
    path("activity/", views.my_activity, name="activity"),
]
