from django.urls import path

from engagement import tracking_views

app_name = "campaigns"

urlpatterns = [
    path("unsubscribe/<str:token>/", tracking_views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", tracking_views.click, name="click"),
    path("o/<str:token>.gif", tracking_views.opened, name="open"),
]
