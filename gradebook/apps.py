"""App configuration."""

from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"

    def ready(self):
        # The score book's part in a student's movements (schoolrecords.signals).
        from gradebook.results import earlier  # noqa: F401
        from gradebook.scores import movements  # noqa: F401
