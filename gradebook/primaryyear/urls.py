"""URLs of a primary class's year (included by gradebook/urls.py in the "gradebook" namespace).

A point is "gk1", "ck1", "gk2" or "cn" (tt27.AssessmentPoint); a period "1" (term I) or "year".
"""

from django.urls import path

from . import views

urlpatterns: list = [
    path("primary/classes/<int:pk>/traits/<slug:point>/", views.traits, name="primary_traits"),
    path("primary/classes/<int:pk>/traits/<slug:point>/save/", views.traits_save, name="primary_traits_save"),
    path("primary/classes/<int:pk>/year/", views.results, name="primary_results"),
    path("primary/classes/<int:pk>/year/approve/<period:period>/", views.approve, name="primary_approve"),
    path("primary/students/<int:pk>/year/", views.year_record, name="primary_record"),
    path("primary/students/<int:pk>/year/decision/", views.year_decision, name="primary_decision"),
]
