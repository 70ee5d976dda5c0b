"""URLs of the gradebook's results pages (included by gradebook/urls.py in the "gradebook" namespace).

A period in a URL is "1" (term I), "2" (term II) or "year" (gradebook.converters).
"""

from django.urls import path

from . import views

urlpatterns: list = [
    path("classes/<int:pk>/results/<period:period>/", views.results, name="results"),
    path("classes/<int:pk>/results/<period:period>/approve/", views.results_approve, name="results_approve"),
    path("classes/<int:pk>/results/year/retests/", views.retests_save, name="retests_save"),
    path("classes/<int:pk>/results/year/summer/", views.summer_save, name="summer_save"),
    path("classes/<int:pk>/exemptions/", views.exemptions, name="exemptions"),
    path("classes/<int:pk>/exemptions/<int:exemption_pk>/revoke/", views.exemption_revoke, name="exemption_revoke"),
    path("classes/<int:pk>/sector-results.xlsx", views.sector_results, name="sector_results"),
    path("enrolments/<int:pk>/earlier/", views.earlier_results, name="earlier_results"),
]
