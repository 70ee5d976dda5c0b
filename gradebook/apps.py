"""App configuration."""

from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"
