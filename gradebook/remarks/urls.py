"""URLs of subject remarks and the comment bank (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:assignment_id>/remarks/<period:period>/", views.remarks, name="remarks"),
    path("remark-phrases/", views.phrases, name="remark_phrases"),
    path("remark-phrases/<int:pk>/", views.phrase, name="remark_phrase"),
]
