from django.urls import path

from analytics import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("how-these-numbers-are-computed/", views.methodology, name="methodology"),
    path("panels/<slug:name>.json", views.panel_json, name="panel_json"),
    path("panels/<slug:name>.csv", views.panel_csv, name="panel_csv"),
    path("digest/", views.digest_now, name="digest"),
]
