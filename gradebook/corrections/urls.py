"""URLs of correction requests (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:assignment_id>/term/<gradebook_term:term>/corrections/new/", views.correction_new,
         name="correction_new"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction"),
    path("corrections/<int:pk>/evidence/<int:evidence_id>/", views.correction_evidence, name="correction_evidence"),
    path("corrections/delegations/", views.delegation_list, name="delegations"),
    path("corrections/delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("corrections/log/", views.correction_log, name="correction_log"),
    path("corrections/log/teacher/<int:user_id>/", views.correction_log_teacher, name="correction_log_teacher"),
    path("corrections/log/department/<int:department_id>/", views.correction_log_department,
         name="correction_log_department"),
]
