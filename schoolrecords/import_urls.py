"""URLs of the set-up's import screens (included under /setup/ by setup_urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
