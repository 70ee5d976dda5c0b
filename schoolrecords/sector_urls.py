"""URLs of the sector database exchange (included under /setup/ by setup_urls)."""

from django.urls import path

from . import sector_views as v

urlpatterns = [
    path("years/<int:year_id>/sector/", v.exchange, name="sector"),
    path("years/<int:year_id>/sector/students.xlsx", v.students_download, name="sector_students"),
]
