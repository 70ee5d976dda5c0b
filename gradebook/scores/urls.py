"""URLs of the score grid pages (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views as grid_views

urlpatterns = [
    path("<int:assignment_id>/term/<gradebook_term:term>/", grid_views.grid_page, name="grid"),
    path("<int:assignment_id>/term/<gradebook_term:term>/save/", grid_views.grid_save, name="grid_save"),
    path("<int:assignment_id>/term/<gradebook_term:term>/history/", grid_views.grid_history, name="grid_history"),
    path("<int:assignment_id>/term/<gradebook_term:term>/export.xlsx", grid_views.grid_export, name="grid_export"),
    path("<int:assignment_id>/term/<gradebook_term:term>/import/", grid_views.grid_import, name="grid_import"),
]
