"""URLs of the homeroom teacher's sheets and daily roll-call (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("classes/<int:pk>/homeroom/<period:period>/", views.homeroom, name="homeroom"),
    path("classes/<int:pk>/rollcall/<int:year>-<int:month>/", views.rollcall, name="rollcall"),
    path("classes/<int:pk>/rollcall/<int:year>-<int:month>/save/", views.rollcall_save_view, name="rollcall_save"),
]
