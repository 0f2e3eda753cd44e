from django.urls import path

from analytics import impact_views, views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("how-these-numbers-are-computed/", views.methodology, name="methodology"),
    path("panels/<slug:name>.json", views.panel_json, name="panel_json"),
    path("panels/<slug:name>.csv", views.panel_csv, name="panel_csv"),
    path("digest/", views.digest_now, name="digest"),
    path("impact/", impact_views.impact, name="impact"),
    path("impact/items/<int:pk>/", impact_views.impact_item, name="impact_item"),
    path("impact/horizons/<int:pk>/", impact_views.impact_horizon, name="impact_horizon"),
    path("impact/roadmaps/<int:pk>/", impact_views.impact_roadmap, name="impact_roadmap"),
    path("board-pack/", impact_views.board_pack, name="board_pack"),
]
