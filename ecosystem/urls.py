from django.urls import path

from ecosystem import editor, views

app_name = "ecosystem"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("red-flags/", views.library, name="library"),
    path("red-flags/export.csv", views.library_csv, name="library_csv"),
    path("red-flags/print/", views.library_print, name="library_print"),
    path("red-flags/<int:pk>/", views.red_flag_detail, name="red_flag"),
    path("red-flags/<int:pk>/rate/", views.red_flag_rate_view, name="rate"),
    path("red-flags/<int:pk>/label/", views.red_flag_label, name="red_flag_label"),
    path("indicator-sets/", views.indicator_set_list, name="indicator_sets"),
    path("indicator-sets/print/", views.indicator_set_print, name="indicator_sets_print"),
    path("indicator-sets/<int:pk>/", views.indicator_set_detail, name="indicator_set"),
    path("indicator-sets/<int:pk>/label/", views.indicator_set_label, name="indicator_set_label"),
    path("compare/", views.compare, name="compare"),
    path("staff/maps/<slug:slug>/", editor.map_editor, name="map_editor"),
    path("staff/maps/<slug:slug>/start/", editor.map_begin, name="map_begin"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggestions/", views.my_suggestions, name="my_suggestions"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("suggestions/<int:pk>/label/", views.suggestion_label, name="suggestion_label"),
    path("<slug:slug>/review/", editor.map_review, name="map_review"),
    path("<slug:slug>/", views.category_map, name="map"),
]
