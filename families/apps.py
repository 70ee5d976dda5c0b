"""App configuration."""

from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "families"

    def ready(self) -> None:
        from families import receivers  # noqa: F401, PLC0415 — connects the receivers
