from django.urls import path

from engagement import dashboard_views

app_name = "dashboards"

urlpatterns = [
    path("", dashboard_views.index, name="index"),
    path("panels/<slug:name>.json", dashboard_views.panel_json, name="panel_json"),
    path("panels/<slug:name>.csv", dashboard_views.panel_csv, name="panel_csv"),
    path("digest/", dashboard_views.digest_now, name="digest"),
]
