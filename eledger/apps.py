"""App configuration."""

from django.apps import AppConfig


class EledgerConfig(AppConfig):
    name = "eledger"
