"""URLs of the set-up's import screens (included under /setup/ by setup_urls)."""

from django.urls import path

from . import import_views as v

urlpatterns = [
    path("years/<int:year_id>/import/", v.import_students, name="import"),
    path("import/template.<str:fmt>", v.import_template, name="import_template"),
]
