"""The document store on S3-compatible object storage (STORAGE_URL), against a real S3 server (tests/objectstore.py).

With STORAGE_URL set, a teacher's upload lands in the media bucket under eledger/, where every web and
worker machine reads it; without it, in MEDIA_ROOT/eledger/ as before. Either way the store is never
served directly: the file has no URL, downloads go through the permission-checked view.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from eledger.models import DocumentVersion, document_storage
from tests.eledger.conftest import tiny_pdf


def test_an_upload_lands_in_the_media_bucket_and_downloads_through_the_view(s3, buckets, store, login, media_root):
    document = store.lesson_plan()
    version = document.versions.get()

    key = "eledger/" + version.file.name
    assert s3.get_object(Bucket=buckets["media_bucket"], Key=key)["Body"].read() == tiny_pdf()
    assert not media_root.exists() or not any(media_root.rglob("*.pdf"))  # nothing on this machine's disk
    with pytest.raises(ValueError):
        version.file.url  # noqa: B018 -- the store has no address of its own

    client = login("teacher_math")
    response = client.get(reverse("eledger:download", args=[document.pk, version.number]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_pdf()


def test_the_same_name_twice_keeps_both_files_and_a_failed_save_cleans_up(s3, buckets):
    storage = document_storage()
    first = storage.save("2025/plan.pdf", ContentFile(b"%PDF-1.4 first"))
    second = storage.save("2025/plan.pdf", ContentFile(b"%PDF-1.4 second"))

    assert first == "2025/plan.pdf" and second != first and not second.startswith("eledger/")
    with storage.open(first) as handle:
        assert handle.read() == b"%PDF-1.4 first"
    assert storage.exists(second) and storage.size(second) == len(b"%PDF-1.4 second")
    storage.delete(second)
    assert not storage.exists(second)
    listed = {item["Key"] for item in s3.list_objects_v2(Bucket=buckets["media_bucket"])["Contents"]}
    assert listed == {"eledger/2025/plan.pdf"}


def test_without_storage_url_the_store_stays_in_media_root(store, media_root):
    version = store.lesson_plan().versions.get()

    assert (media_root / "eledger" / version.file.name).read_bytes() == tiny_pdf()
    assert DocumentVersion.objects.get(pk=version.pk).file.read() == tiny_pdf()
