"""App configuration."""

from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"

    def ready(self) -> None:
        # The gradebook's own receivers, and its part in a student's movements (schoolrecords.signals).
        from gradebook.results import earlier  # noqa: F401, PLC0415
        from gradebook.scores import movements  # noqa: F401, PLC0415

        from . import receivers  # noqa: F401, PLC0415
