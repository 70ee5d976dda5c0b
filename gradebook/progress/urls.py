"""URLs of entry progress (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("progress/", views.progress, name="progress"),
    path("progress/remind/", views.progress_remind_all, name="progress_remind_all"),
    path("progress/remind/<int:user_id>/", views.progress_remind, name="progress_remind"),
    path("progress/months/", views.progress_records, name="progress_records"),
    path("reminders/<int:pk>/dismiss/", views.reminder_dismiss, name="reminder_dismiss"),
]
