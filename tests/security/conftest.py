"""Fixtures shared by the security tests."""

import logging

import pytest


@pytest.fixture
def security_log():
    """The lines the "schoolrecords.security" logger writes during the test, formatted as the site's handler does.

    The logger does not propagate to the root logger (settings.LOGGING), so caplog would not see it.
    """
    logger = logging.getLogger("schoolrecords.security")
    formatter = next((handler.formatter for handler in logger.handlers if handler.formatter), None)

    class Lines(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.DEBUG)
            self.setFormatter(formatter)
            self.lines: list[str] = []

        def emit(self, record):
            self.lines.append(self.format(record))

    handler = Lines()
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
