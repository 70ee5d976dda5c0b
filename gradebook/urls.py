"""URLs of the gradebook app: the score grid, remarks, homeroom work, class results, windows, corrections, rollover."""

from django.urls import include, path, register_converter

from .converters import PeriodConverter, TermNumber

register_converter(TermNumber, "gradebook_term")
register_converter(PeriodConverter, "period")

app_name = "gradebook"
urlpatterns = [
    path("", include("gradebook.scores.urls")),
    path("", include("gradebook.homeroom.urls")),
    path("", include("gradebook.remarks.urls")),
    path("", include("gradebook.awards.urls")),
    path("", include("gradebook.corrections.homeroom_urls")),
    path("", include("gradebook.results.urls")),
    path("", include("gradebook.plans.urls")),
    path("", include("gradebook.progress.urls")),
    path("", include("gradebook.windows.urls")),
    path("", include("gradebook.corrections.urls")),
    path("", include("gradebook.rollover.urls")),
    path("", include("gradebook.primary.urls")),
    path("", include("gradebook.primaryyear.urls")),
]
