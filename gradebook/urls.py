"""URLs of the gradebook app: the score grid, homeroom work and class results."""

from django.urls import include, path

app_name = "gradebook"
urlpatterns = [
    path("", include("gradebook.grid_urls")),
    path("", include("gradebook.results_urls")),
]
