from django.urls import path

from spaces import views

app_name = "spaces"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/dismiss/", views.report_dismiss, name="report_dismiss"),
    path("<slug:slug>/", views.space, name="space"),
    path("<slug:slug>/follow/", views.follow, name="follow"),
    path("<slug:slug>/threads/new/", views.thread_new, name="thread_new"),
    path("<slug:slug>/threads/<str:pk>/", views.thread, name="thread"),
    path("<slug:slug>/threads/<str:pk>/reply/", views.reply, name="reply"),
    path("<slug:slug>/threads/<str:pk>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("<slug:slug>/posts/<str:pk>/edit/", views.post_edit, name="post_edit"),
    path("<slug:slug>/posts/<str:pk>/moderate/", views.post_moderate, name="post_moderate"),
    path("<slug:slug>/posts/<str:pk>/report/", views.post_report, name="post_report"),
    path("<slug:slug>/documents/", views.document_upload, name="document_upload"),
    path("<slug:slug>/documents/<str:pk>/versions/", views.document_version, name="document_version"),
    path("<slug:slug>/documents/<str:pk>/v<str:number>/", views.document_download, name="document_download"),
    path("<slug:slug>/sessions/new/", views.session_new, name="session_new"),
    path("<slug:slug>/sessions/<str:pk>/", views.session, name="session"),
    path("<slug:slug>/sessions/<str:pk>/attendance/", views.attendance, name="attendance"),
    path("<slug:slug>/actions/new/", views.action_new, name="action_new"),
    path("<slug:slug>/actions/<str:pk>/state/", views.action_state, name="action_state"),
]
