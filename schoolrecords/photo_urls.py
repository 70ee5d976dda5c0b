"""URLs of the students' photos (included under /setup/ by setup_urls)."""

from django.urls import path

from . import photo_views as v

urlpatterns = [
    path("students/<int:pk>/photo/", v.student_photo, name="student_photo"),
    path("students/<int:pk>/photo/upload/", v.student_photo_upload, name="student_photo_upload"),
    path("classes/<int:pk>/photos/", v.class_photos, name="class_photos"),
]
