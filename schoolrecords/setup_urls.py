"""The admin board's yearly set-up screens."""

from django.urls import path

from . import setup_views as v

app_name = "setup"
urlpatterns = [
    path("", v.index, name="index"),
]
