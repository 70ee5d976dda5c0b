"""App configuration."""

from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"

    def ready(self) -> None:
        from . import receivers  # noqa: F401, PLC0415  (connects the gradebook's own receivers)
