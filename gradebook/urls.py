"""URLs of the gradebook app: the score grid, homeroom work, class results, entry windows and corrections."""

from django.urls import include, path

app_name = "gradebook"
urlpatterns = [
    path("", include("gradebook.grid_urls")),
    path("", include("gradebook.results_urls")),
    path("", include("gradebook.windows_urls")),
    path("", include("gradebook.corrections_urls")),
]
