"""URLs of individual education plans (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("classes/<int:pk>/plans/", views.class_plans, name="class_plans"),
    path("classes/<int:pk>/plans/<int:student_pk>/", views.plan, name="plan"),
    path("classes/<int:pk>/plans/<int:student_pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/waiting/", views.pending, name="plans_pending"),
]
