"""The admin board's yearly set-up screens."""

from django.urls import include, path

from . import setup_views as v

app_name = "setup"
urlpatterns = [
    path("", v.index, name="index"),
    path("years/", v.year_list, name="year_list"),
    path("years/<int:pk>/", v.year_edit, name="year_edit"),
    path("years/<int:pk>/periods/", v.periods, name="periods"),
    path("years/<int:pk>/drafts/", v.drafts, name="drafts"),
    path("years/<int:pk>/classes/", v.class_list, name="class_list"),
    path("classes/<int:pk>/", v.class_edit, name="class_edit"),
    path("classes/<int:pk>/subjects/", v.class_subjects, name="class_subjects"),
    path("enrolments/<int:pk>/end/", v.enrolment_end, name="enrolment_end"),
    path("students/<int:pk>/", v.student_edit, name="student_edit"),
    path("students/<int:pk>/movements/", v.student_movement, name="student_movement"),
    path("years/<int:pk>/movements/", v.movements, name="movements"),
    path("subjects/", v.subject_list, name="subject_list"),
    path("subjects/<int:pk>/", v.subject_edit, name="subject_edit"),
    path("", include("schoolrecords.import_urls")),
    path("", include("schoolrecords.sector_urls")),
    path("", include("schoolrecords.photo_urls")),
    path("", include("schoolrecords.staff_urls")),
]
