"""An inspector's link, mounted at /inspect/ (namespace "inspect"): no log-in."""

from django.urls import path

from . import public_views

app_name = "inspect"
urlpatterns = [
    path("<str:token>/", public_views.home, name="home"),
    path("<str:token>/documents/<int:pk>/", public_views.download, name="download"),
]
