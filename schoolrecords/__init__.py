"""The school records site: settings, Celery app and the school's master data."""

from .celery import app as celery_app

__all__ = ("celery_app",)
