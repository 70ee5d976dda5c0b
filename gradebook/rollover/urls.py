"""URL of the year rollover (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("years/<int:pk>/rollover/", views.rollover, name="rollover"),
]
