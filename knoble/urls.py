from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from knoble import staff_queue, views
from knoble.api import MeView, api_v1_urls
from members import views as members_views

# The admin login goes through allauth: same rate limits, MFA and enumeration protection.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = gettext_lazy("The Knoble — staff")
admin.site.site_title = gettext_lazy("Knoble admin")
staff_queue.install(admin.site)

handler400 = "core.api_base.api_aware_bad_request"
handler403 = "core.api_base.api_aware_permission_denied"
handler404 = "core.api_base.api_aware_page_not_found"
handler500 = "core.api_base.api_aware_server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Django's set_language behind the switcher, which also saves a signed-in member's choice on their profile.
    path("i18n/setlang/", members_views.language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/", include(api_v1_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("roadmap/", include("roadmap.urls")),
    path("ecosystem/", include("ecosystem.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("voice/", include("voice.urls")),
    path("sharing/", include("sharing.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dashboards/", include("analytics.urls")),
    path("spaces/", include("spaces.urls")),
    path("directory/", include("directory.urls")),
    # The initiatives app serves the site's front door, "/" ("for you").
    path("", include("initiatives.urls")),
    path("", include("members.urls")),
]

if settings.KNOBLE_BENCH_FLOOR:
    # Before the catch-all patterns of the apps, which would otherwise answer for this path.
    urlpatterns[:0] = [
        path("bench/floor/", views.bench_floor, name="bench_floor"),
        path("bench/layout/", views.bench_layout, name="bench_layout"),
    ]
