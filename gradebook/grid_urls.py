"""URLs of the gradebook's grid pages (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
