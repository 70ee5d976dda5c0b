"""URLs of homeroom corrections (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import homeroom_views as views

urlpatterns: list = [
    path("classes/<int:pk>/homeroom/corrections/new/", views.homeroom_correction_new, name="homeroom_correction_new"),
    path("homeroom-corrections/", views.homeroom_correction_list, name="homeroom_corrections"),
    path("homeroom-corrections/<int:pk>/", views.homeroom_correction_detail, name="homeroom_correction"),
    path("homeroom-corrections/<int:pk>/evidence/", views.homeroom_correction_evidence,
         name="homeroom_correction_evidence"),
]
