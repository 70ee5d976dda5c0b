"""URLs of the set-up's staff screens (included under /setup/ by setup_urls)."""

from django.urls import path

from . import staff_views as v

urlpatterns = [
    path("staff/", v.staff_list, name="staff_list"),
    path("staff/new/", v.staff_create, name="staff_create"),
    path("staff/<int:pk>/", v.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/password/", v.staff_password, name="staff_password"),
    path("staff/<int:pk>/deactivate/", v.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", v.staff_reactivate, name="staff_reactivate"),
    path("departments/", v.department_list, name="department_list"),
    path("departments/<int:pk>/", v.department_edit, name="department_edit"),
]
