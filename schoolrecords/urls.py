"""The site's URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

# The apps above schoolrecords are included by dotted name, which imports nothing of them here.
urlpatterns = [
    path("", include("portal.urls")),
    path("accounts/login/", views.Login.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChange.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("setup/", include("schoolrecords.setup_urls")),
    path("scores/", include("gradebook.urls")),
    path("documents/", include("eledger.urls")),
    path("archive/", include("archive.urls")),
    path("family/", include("families.urls")),
    # The public verification page (no log-in): what the QR code on every archived page opens.
    path("verify/", include("archive.verify_urls")),
    # An inspector's link to what the principal shared (no log-in, read only, logged): archive.inspection.
    path("inspect/", include("archive.inspection.public_urls")),
    path("admin/", admin.site.urls),
    # browsers ask for it at the root, whatever the page says
    path("favicon.ico", views.favicon, name="favicon"),
]

handler403 = "schoolrecords.views.permission_denied"
handler404 = "schoolrecords.views.page_not_found"
