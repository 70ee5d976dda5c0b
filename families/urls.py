"""The families' URLs, under /family/."""

from django.urls import path

from . import views

app_name = "families"
urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.join, name="join"),
    path("add-child/", views.child_add, name="child_add"),
    path("child/<int:student_id>/", views.child, name="child"),
    path("class/<int:class_id>/", views.class_families, name="class_families"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:year_id>/", views.publications, name="publications_year"),
    path("publications/withdraw/<int:pk>/", views.withdraw, name="withdraw"),
]
