"""URLs of the eledger app (mounted at /documents/)."""

from django.urls import path

from . import views

app_name = "eledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.document_list, name="list"),
    path("folder/", views.folder, name="my_folder"),
    path("folder/<int:user_id>/", views.folder, name="folder"),
    path("library/", views.library, name="library"),
    path("review/", views.review_queue, name="review_queue"),
    path("overview/", views.overview, name="overview"),
    path("new/", views.choose_kind, name="choose_kind"),
    path("new/<slug:code>/", views.document_create, name="create"),
    path("lesson-name/", views.lesson_name, name="lesson_name"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/upload/", views.document_upload, name="upload"),
    path("<int:pk>/submit/", views.document_submit, name="submit"),
    path("<int:pk>/review/", views.document_review, name="review"),
    path("<int:pk>/v<int:number>/", views.download, name="download"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/kinds/<int:pk>/", views.kind_edit, name="kind_edit"),
]
