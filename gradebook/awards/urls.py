"""URLs of a class's certificates and awards (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("classes/<int:pk>/awards/", views.awards, name="awards"),
]
