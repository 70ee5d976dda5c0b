"""Item 2 of issue 20: an upload stops reaching the disk at its field's limit; an oversized body is refused unread."""

import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import resolve, reverse

from schoolrecords.uploads import LimitedUploadHandler, RefusedUpload

pytestmark = pytest.mark.django_db

BOUNDARY = "hardening-boundary"
MB = 1024 * 1024


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, file_name, content in files:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{file_name}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


class CountingTemporaryHandler(TemporaryFileUploadHandler):
    """The temporary-folder handler, counting what it is given to write."""

    written = 0

    def receive_data_chunk(self, raw_data, start):
        CountingTemporaryHandler.written += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def parse(path: str, body: bytes, handlers):
    request = RequestFactory().post(path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    request.resolver_match = resolve(path)
    request.upload_handlers = [handler(request) for handler in handlers]
    parser = MultiPartParser(request.META, io.BytesIO(body), request.upload_handlers)
    return parser.parse()


def test_a_file_past_its_fields_limit_is_dropped_after_the_limit_and_reports_its_size(demo, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    CountingTemporaryHandler.written = 0
    path = reverse("setup:import", args=(demo.year.pk,))  # 5 MB for the student import
    body = multipart({"action": "preview"}, [("file", "hoc-sinh.csv", b"x" * (30 * MB)),
                                             ("other", "small.csv", b"a,b\r\n")])

    post, files = parse(path, body, [LimitedUploadHandler, MemoryFileUploadHandler, CountingTemporaryHandler])

    refused = files["file"]
    assert isinstance(refused, RefusedUpload)
    assert refused.size == 30 * MB and refused.limit == 5 * MB and refused.read() == b""
    assert CountingTemporaryHandler.written <= 5 * MB + 64 * 1024  # the limit and one chunk, never the 30 MB
    assert files["other"].read() == b"a,b\r\n"  # the fields after it still arrive
    files["other"].close()
    assert list(tmp_path.iterdir()) == []  # the part of the large one written was deleted
    assert post["action"] == "preview"


def test_without_the_limit_the_whole_file_would_have_been_written(demo, settings, tmp_path):
    """What the handler prevents: the temporary-folder handler alone writes every byte."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    CountingTemporaryHandler.written = 0
    path = reverse("setup:import", args=(demo.year.pk,))

    parse(path, multipart({}, [("file", "hoc-sinh.csv", b"x" * (30 * MB))]), [CountingTemporaryHandler])

    assert CountingTemporaryHandler.written == 30 * MB


def test_the_limits_follow_the_url_and_the_field(demo, settings):
    settings.UPLOAD_LIMITS = {"default": 20 * MB, "evidence": 10 * MB, "setup:import": 5 * MB,
                              "gradebook:grid_import file": 2 * MB}
    from schoolrecords.uploads import upload_limit

    request = RequestFactory().post("/")
    request.resolver_match = resolve(reverse("setup:import", args=(demo.year.pk,)))
    assert upload_limit(request, "file") == 5 * MB
    request.resolver_match = None
    assert upload_limit(request, "evidence") == 10 * MB
    assert upload_limit(request, "file") == 20 * MB


def test_the_board_sees_the_size_refused_at_the_file_field_and_nothing_lands_in_the_temporary_folder(
        demo, client, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # everything larger would go to the temporary folder
    client.force_login(demo.user("board"))

    response = client.post(reverse("setup:import", args=(demo.year.pk,)),
                           data=multipart({"action": "preview"}, [("file", "hoc-sinh.csv", b"x" * (6 * MB))]),
                           content_type=f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code in (200, 400)
    assert response.context["form"].errors["file"] == ["Tệp lớn hơn 5 MB."]
    assert list(tmp_path.iterdir()) == []


def test_the_site_uses_the_limited_handler_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "schoolrecords.uploads.LimitedUploadHandler"


def test_an_anonymous_body_over_64_kb_is_refused_before_it_is_read(client):
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

    response = client.generic("POST", reverse("login"), data=b"", content_type="application/x-www-form-urlencoded",
                              CONTENT_LENGTH=str(65 * 1024), **{"wsgi.input": Unreadable()})

    assert response.status_code == 413
    assert response["Connection"] == "close"
