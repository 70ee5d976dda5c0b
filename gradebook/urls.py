"""URLs of the gradebook app."""

from django.urls import path  # noqa: F401

app_name = "gradebook"
urlpatterns: list = []
