"""Translation for the pure rule modules, which must not import Django.

They mark their messages with ``gettext_noop`` (so ``makemessages`` collects them into
the project catalogue) and raise errors that carry the English text; ``vietnamese()``
reads the same compiled catalogue with the standard library, so a message is Vietnamese
even outside a request. Django code re-translates ``message`` into the active language.
"""

import functools
import gettext as _gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def gettext_noop(message: str) -> str:
    """Mark a message for the catalogue without translating it now."""
    return message


@functools.cache
def _catalogue() -> _gettext.NullTranslations:
    return _gettext.translation("django", LOCALE_DIR, languages=["vi"], fallback=True)


def vietnamese(message: str) -> str:
    """The Vietnamese text of an English catalogue message (the message itself if absent)."""
    return _catalogue().gettext(message)


class RuleError(ValueError):
    """A pure rule refused its input; ``message`` is English, ``str()`` is Vietnamese."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(self.message % params if params else self.message)

    def __str__(self) -> str:
        text = vietnamese(self.message)
        return text % self.params if self.params else text
