"""URLs of the homeroom teacher's sheet (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("classes/<int:pk>/homeroom/<period:period>/", views.homeroom, name="homeroom"),
]
