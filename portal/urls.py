"""URLs of the portal (mounted at the site's root, without a namespace: "home", "class_detail")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
]
