from django.urls import path

from initiatives import views

app_name = "initiatives"

# Included at the site root, before the members URLs, so that "/" is the members' "for you" page.
urlpatterns = [
    path("", views.home, name="home"),
    path("initiatives/", views.initiative_list, name="list"),
    path("initiatives/calendar.ics", views.my_calendar, name="my_calendar"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path("initiatives/<slug:slug>/join/", views.join, name="join"),
    path("initiatives/<slug:slug>/leave/", views.leave, name="leave"),
    path("initiatives/<slug:slug>/calendar.ics", views.initiative_calendar, name="calendar"),
    path("initiatives/<slug:slug>/participants/", views.participants, name="participants"),
    path("initiatives/<slug:slug>/participants.csv", views.participants_csv, name="participants_csv"),
    path("initiatives/<slug:slug>/sessions/<int:session_id>/attendance/", views.attendance, name="attendance"),
    # After the initiative's own paths, and no secret is "calendar": an initiative slugged "feed" keeps them.
    path("initiatives/feed/subscribe/", views.calendar_feed_subscribe, name="calendar_feed_subscribe"),
    path("initiatives/feed/stop/", views.calendar_feed_stop, name="calendar_feed_stop"),
    path("initiatives/feed/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
