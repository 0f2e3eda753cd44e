from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
]
