"""Log formatting: security events carry UTC times so inspectors can line them up."""

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 — logging's API name
        return super().formatTime(record, datefmt or "%Y-%m-%dT%H:%M:%SZ")
