"""App configuration for the site and its master data."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SchoolRecordsConfig(AppConfig):
    name = "schoolrecords"
    verbose_name = _("School data")

    def ready(self) -> None:
        from . import sessions, signals  # noqa: F401 — the entry-session mark and security logging receivers
        from .roles_sync import sync_roles

        # Permissions exist only after migrate has run, so the role groups follow it.
        post_migrate.connect(sync_roles, sender=self)
