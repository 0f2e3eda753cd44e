from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", views.click, name="click"),
    path("o/<str:token>.gif", views.opened, name="open"),
    path("digest/", views.digest_preference, name="digest_preference"),
    path("digest/unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest_unsubscribe"),
]
