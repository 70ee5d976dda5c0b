"""An upload stops reaching the disk as soon as it passes its field's limit (settings.FILE_UPLOAD_HANDLERS).

Django hands each chunk of an uploaded file to its upload handlers in turn; this one goes first.
Under its limit it passes the chunk on (to memory, or to the temporary folder); past it, the part
already written is deleted and every further chunk is counted and dropped. The field then receives
an empty file that reports the size it had: the form's or the service's own size check refuses it at
its field, with its own message, and nothing of it was kept. The whole request is bounded before
this by RequestSizeMiddleware (the declared Content-Length) and by the proxy's body limit.

The limits (``UPLOAD_LIMITS``, bytes): by URL name and field (``"gradebook:grid_import file"``),
by URL name, by field name, else ``"default"`` (the largest file any form accepts).
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class RefusedUpload(UploadedFile):
    """What a field receives for a file past its limit: no content, the size the file had."""

    def __init__(self, *, name, content_type, size, charset, limit):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)
        self.limit = limit

    def temporary_file_path(self):  # nothing of it is on disk
        raise AttributeError("a refused upload has no file")


def upload_limit(request, field_name: str) -> int:
    limits = settings.UPLOAD_LIMITS
    match = getattr(request, "resolver_match", None) if request is not None else None
    view = match.view_name if match is not None else ""
    for key in (f"{view} {field_name}", view, field_name):
        if key and key in limits:
            return limits[key]
    return limits["default"]


class LimitedUploadHandler(FileUploadHandler):
    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.limit = upload_limit(self.request, field_name)
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.refused:
            return None
        if self.received > self.limit:
            self.refused = True
            self._drop_written()
            return None
        return raw_data

    def _drop_written(self):
        """The handlers after this one already hold the first part of the file: they let it go."""
        handlers = getattr(self.request, "upload_handlers", [])
        for handler in handlers[handlers.index(self) + 1:] if self in handlers else []:
            handler.upload_interrupted()
            if hasattr(handler, "file"):
                handler.file.close()

    def file_complete(self, file_size):
        if not self.refused:
            return None  # the next handler hands over the file
        return RefusedUpload(name=self.file_name, content_type=self.content_type, size=self.received,
                             charset=self.charset, limit=self.limit)
