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
    path("class/<int:class_id>/parents/<int:parent_id>/close/", views.parent_close, name="parent_close"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:year_id>/", views.publications, name="publications_year"),
    path("publications/withdraw/<int:pk>/", views.withdraw, name="withdraw"),
    path("class/<int:class_id>/slips/<int:term_number>/<str:occasion>/", views.class_slips, name="class_slips"),
    path("notices/", views.parent_notices, name="notices"),
    path("notices/<int:pk>/", views.parent_notice, name="notice"),
    path("school-notices/", views.staff_notices, name="staff_notices"),
    path("school-notices/<int:pk>/", views.staff_notice, name="staff_notice"),
]
