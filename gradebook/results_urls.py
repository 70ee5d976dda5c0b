"""URLs of the gradebook's results pages (included by gradebook/urls.py in the "gradebook" namespace).

A period in a URL is "1" (term I), "2" (term II) or "year"; views receive 1, 2 or results.YEAR.
"""

from django.urls import path, register_converter

from . import results_views as views
from .results import YEAR


class PeriodConverter:
    regex = "1|2|year"

    def to_python(self, value: str) -> int:
        return YEAR if value == "year" else int(value)

    def to_url(self, value) -> str:
        return "year" if str(value) in ("year", str(YEAR)) else str(int(value))


register_converter(PeriodConverter, "period")

urlpatterns: list = [
    path("classes/<int:pk>/homeroom/<period:period>/", views.homeroom, name="homeroom"),
    path("classes/<int:pk>/results/<period:period>/", views.results, name="results"),
    path("classes/<int:pk>/results/<period:period>/approve/", views.results_approve, name="results_approve"),
    path("classes/<int:pk>/results/year/retests/", views.retests_save, name="retests_save"),
    path("classes/<int:pk>/results/year/summer/", views.summer_save, name="summer_save"),
    path("classes/<int:pk>/exemptions/", views.exemptions, name="exemptions"),
    path("classes/<int:pk>/exemptions/<int:exemption_pk>/revoke/", views.exemption_revoke, name="exemption_revoke"),
    path("progress/", views.progress, name="progress"),
]
