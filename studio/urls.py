"""Top-level routes: pages, the studio API, the Azure-compatible API, health and the schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from studio import views

handler400 = "studio.errors.bad_request"
handler404 = "studio.errors.not_found"
handler500 = "studio.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views.PasswordSetView.as_view(),
        name="password-set",
    ),
    path("keys/", views.keys, name="keys"),
    path("keys/<int:slot>/regenerate/", views.key_regenerate, name="key-regenerate"),
    path("keys/<int:slot>/revoke/", views.key_revoke, name="key-revoke"),
    # Projects' pages under /projects/, their studio API under /api/.
    path("", include("projects.urls")),
    # Training's pages under /projects/, its studio API under /api/, Azure's under /language/.
    path("", include("training.urls")),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path(
        "api/docs",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="studio/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
