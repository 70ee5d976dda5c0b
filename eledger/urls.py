"""URLs of the eledger app."""

from django.urls import path  # noqa: F401

app_name = "eledger"
urlpatterns: list = []
