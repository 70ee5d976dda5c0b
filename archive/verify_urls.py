"""The public verification page's URLs, mounted at /verify/ (namespace "verify")."""

from django.urls import path

from . import verify_views

app_name = "verify"

urlpatterns = [
    path("", verify_views.index, name="index"),
    path("<str:code>/", verify_views.by_code, name="code"),
]
