"""URLs of the primary grid (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("primary/<int:assignment_id>/<str:point>/", views.primary_grid, name="primary_grid"),
    path("primary/<int:assignment_id>/<str:point>/save/", views.primary_grid_save, name="primary_grid_save"),
    path("primary/<int:assignment_id>/<str:point>/history/", views.primary_grid_history,
         name="primary_grid_history"),
]
