"""The Celery application; without CELERY_BROKER_URL the settings make tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolrecords.settings")

app = Celery("schoolrecords")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
