from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import include, path, reverse_lazy

from claims.queue import views as queue_views
from claimsdesk.health import healthz

admin.site.site_header = "claimsdesk 管理"
admin.site.site_title = "claimsdesk 管理"


class PasswordChange(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Change one's own password (the old one first); the session stays signed in."""

    success_url = reverse_lazy("claims:queue")
    success_message = "パスワードを変更しました。"


urlpatterns = [
    path("", queue_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChange.as_view(), name="password_change"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("claims/", include("claims.urls")),
    path("approvals/", include("claims.approvals.urls")),
    path("incidents/", include("claims.incidents.urls")),
    path("documents/", include("documents.urls")),
    path("renders/", include("documents.render_urls")),
    path("payments/", include("payments.urls")),
]
