"""App configuration: the sealed archive and its printing."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")

    def ready(self):
        # The archive hears the gradebook's announcements (gradebook.signals): a window closed.
        from . import receivers  # noqa: F401 — connects the receivers
        from .inspection import receivers as inspection_receivers  # noqa: F401 — an inspector's link e-mailed
