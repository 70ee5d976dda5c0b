"""The archive's URLs, mounted at /archive/ (namespace "archive")."""

from django.urls import path

from . import views
from .inspection import views as inspection_views
from .signing import agent_views
from .signing import csc_views as signing_remote_views
from .signing import plan_views as signing_plan_views
from .signing import views as signing_views

app_name = "archive"

urlpatterns = [
    path("", views.index, name="index"),
    path("batches/start/", views.batch_start, name="batch_start"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("transfer/", views.transfer_print, name="transfer_print"),
    path("snapshot/", views.snapshot, name="snapshot"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("classes/<int:pk>/zip/", views.zip_class, name="zip_class"),
    path("years/<int:pk>/zip/", views.zip_year, name="zip_year"),
    path("years/<int:pk>/registration-book.pdf", views.registration_book, name="registration_book"),
    path("progress/<int:pk>.pdf", views.progress_record, name="progress_record"),
    path("corrections/<int:pk>/minutes.pdf", views.correction_minutes, name="correction_minutes"),
    path("corrections/log/<int:user_id>/<int:year>-<int:month>.pdf", views.correction_log, name="correction_log"),
    path("corrections/log/department/<int:department_id>/<int:year>-<int:month>.pdf",
         views.department_correction_log, name="department_correction_log"),
    path("shares/", inspection_views.shares, name="shares"),
    path("shares/<int:pk>/", inspection_views.share, name="share"),
    path("signing/", signing_views.waiting, name="signing_waiting"),
    path("signing/classes/<int:pk>/", signing_views.board, name="signing_board"),
    path("signing/certificate/", signing_views.certificate, name="signing_certificate"),
    path("signing/plan/", signing_plan_views.plan, name="signing_plan"),
    path("signing/batches/<int:pk>/progress/", signing_views.batch_progress, name="signing_batch_progress"),
    path("signing/classes/<int:pk>/agent/", agent_views.prepare, name="signing_agent_prepare"),
    path("signing/agent/", agent_views.api, name="signing_agent_api"),
    path("signing/agent/signing_agent.py", agent_views.download, name="signing_agent_download"),
    path("signing/classes/<int:pk>/remote/", signing_remote_views.sign, name="signing_remote_sign"),
    path("signing/remote/", signing_remote_views.credential, name="signing_remote_credential"),
    path("signing/remote/service/", signing_remote_views.service_settings, name="signing_remote_settings"),
]
