from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.my_reports, name="mine"),
    path("new/", views.report_new, name="new"),
    path("review/", views.review, name="review"),
    path("red-flags/<int:pk>/export.csv", views.red_flag_csv, name="red_flag_csv"),
    path("indicator-sets/<int:pk>/export.csv", views.indicator_set_csv, name="indicator_set_csv"),
    path("red-flags/<int:pk>/referral-useful/", views.referral_feedback, name="referral_feedback"),
]
