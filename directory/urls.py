from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("export.csv", views.directory_csv, name="csv"),
    path("my-entry/", views.profile_edit, name="profile"),
    path("introductions/", views.introductions, name="introductions"),
    path("introductions/ask/", views.introduction_request, name="introduction_request"),
    path("introductions/<int:pk>/answer/", views.introduction_answer, name="introduction_answer"),
    path("introductions/<int:pk>/report/", views.introduction_report, name="introduction_report"),
    path("invitations/", views.invitations, name="invitations"),
    path("join/<str:token>/", views.join, name="join"),
    path("my-organisation/", views.organisation, name="organisation"),
]
