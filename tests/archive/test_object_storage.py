"""Media and the sealed archive on S3-compatible object storage (STORAGE_URL), against a real S3 server.

moto's server mode runs in a thread on a free port and speaks the S3 protocol to boto3 over HTTP,
Object Lock included: a locked version refuses DELETE with AccessDenied, and a PUT of an existing
key adds a newer version in front of the locked one. Also the local backend's modes (0440, 0750,
ARCHIVE_GROUP), the STORAGE_URL parser, and backup and restore of the buckets.
"""

import grp
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from archive import pdf, services, storage
from archive.models import ArchivedDocument
from schoolrecords import backup, objectstorage
from tests.objectstore import RETENTION_YEARS, make_buckets


def versions(s3, bucket: str, key: str) -> list[dict]:
    return [version for version in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
            if version["Key"] == key]


# --- the archive bucket ----------------------------------------------------------------------------


def test_a_stored_file_reads_back_through_the_app_and_boto3_locked_in_compliance_mode(s3, buckets):
    content = b"%PDF-1.7 the class ledger of 6A1"

    stored = storage.put(content, suffix=".pdf")

    assert stored == storage.Stored(storage.relative_path(storage.sha256_bytes(content), ".pdf"),
                                    storage.sha256_bytes(content), len(content))
    assert storage.backend().describe() == f"s3://{buckets['archive_bucket']}"
    assert s3.get_object(Bucket=buckets["archive_bucket"], Key=stored.path)["Body"].read() == content
    assert storage.read(stored.path) == content
    with storage.open(stored.path) as handle:
        assert handle.read() == content
    assert storage.exists(stored.path)
    assert storage.digest(stored.path) == (stored.sha256, stored.size)
    assert list(storage.paths()) == [stored.path]
    head = s3.head_object(Bucket=buckets["archive_bucket"], Key=stored.path)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    expected = datetime.now(UTC) + timedelta(days=365.25 * RETENTION_YEARS)
    assert abs(head["ObjectLockRetainUntilDate"] - expected) < timedelta(days=2)
    assert not (Path(storage.root()) / stored.path).exists()  # nothing went to the local folder
    missing = storage.relative_path("ab" + "0" * 62, ".pdf")
    assert not storage.exists(missing) and storage.digest(missing) is None
    with pytest.raises(storage.StorageError, match="missing from the archive"):
        storage.read(missing)


def test_the_same_bytes_twice_find_the_first_copy_and_make_no_second_version(s3, buckets):
    first = storage.put(b"%PDF-1.7 report card ARC001", suffix=".pdf")
    again = storage.put(b"%PDF-1.7 report card ARC001", suffix=".pdf")
    from_file = storage.put_file(io.BytesIO(b"%PDF-1.7 report card ARC001"), suffix=".pdf")

    assert first == again == from_file
    assert len(versions(s3, buckets["archive_bucket"], first.path)) == 1


def test_a_locked_file_refuses_delete_and_an_overwrite_shows_as_changed_while_the_sealed_version_stays(
        s3, buckets):
    content = b"%PDF-1.7 summary table 6A1"
    stored = storage.put(content, suffix=".pdf")
    bucket = buckets["archive_bucket"]
    (sealed,) = versions(s3, bucket, stored.path)

    # Not even the storage account deletes a locked version.
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key=stored.path, VersionId=sealed["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key=stored.path, VersionId=sealed["VersionId"], BypassGovernanceRetention=True)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    # A PUT over the key puts a newer version in front: the app's hash check refuses to hand it out.
    s3.put_object(Bucket=bucket, Key=stored.path, Body=b"%PDF-1.7 someone else's numbers")
    with pytest.raises(storage.StorageError, match="differs from its name"):
        storage.read(stored.path)
    assert storage.digest(stored.path)[0] != stored.sha256
    with pytest.raises(storage.StorageError, match="exists and differs"):
        storage.put(content, suffix=".pdf")  # the app does not PUT again over it either
    assert len(versions(s3, bucket, stored.path)) == 2
    body = s3.get_object(Bucket=bucket, Key=stored.path, VersionId=sealed["VersionId"])["Body"].read()
    assert body == content  # the sealed version is still there, under its lock

    # Deleting the intruder's unlocked version brings the sealed one back.
    newer = next(v for v in versions(s3, bucket, stored.path) if v["VersionId"] != sealed["VersionId"])
    s3.delete_object(Bucket=bucket, Key=stored.path, VersionId=newer["VersionId"])
    assert storage.read(stored.path) == content


def test_a_delete_marker_hides_a_file_from_the_app_but_not_from_the_lock(s3, buckets):
    stored = storage.put(b"%PDF-1.7 minutes", suffix=".pdf")
    bucket = buckets["archive_bucket"]

    s3.delete_object(Bucket=bucket, Key=stored.path)  # no version named: S3 adds a delete marker, allowed

    assert not storage.exists(stored.path) and storage.digest(stored.path) is None
    with pytest.raises(storage.StorageError, match="missing from the archive"):
        storage.open(stored.path)
    (sealed,) = versions(s3, bucket, stored.path)
    assert s3.get_object(Bucket=bucket, Key=stored.path, VersionId=sealed["VersionId"])["Body"].read() \
        == b"%PDF-1.7 minutes"


def test_a_name_the_archive_would_not_give_is_refused(buckets):
    for name in ("../secret.pdf", "objects/ab/cd.pdf", "objects/00/" + "ab" * 32 + ".pdf"):
        with pytest.raises(storage.StorageError, match="not an archive file name"):
            storage.exists(name)


@pytest.mark.django_db
def test_sealing_checking_downloading_and_zipping_work_on_the_bucket(s3, buckets, login, small):
    clerk = small.demo.user("clerk")
    document = services.snapshot_take(actor=clerk, term=small.term1, key="s3")
    content = s3.get_object(Bucket=buckets["archive_bucket"], Key=document.path)["Body"].read()
    assert storage.sha256_bytes(content) == document.sha256 and len(content) == document.size

    response = login("clerk").get(reverse("archive:download", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    response = login("clerk").get(reverse("archive:zip_year", args=[small.year.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert content in [archive.read(name) for name in archive.namelist()]
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("1 archived file(s): 1 ok, 0 missing, 0 changed; 0 unlisted")

    s3.put_object(Bucket=buckets["archive_bucket"], Key=document.path, Body=b"changed")
    assert login("clerk").get(reverse("archive:download", args=[document.pk])).status_code == 409
    assert ArchivedDocument.objects.get(pk=document.pk).sha256 == document.sha256


# --- media -----------------------------------------------------------------------------------------


def test_media_go_to_the_media_bucket_through_django_default_storage(s3, buckets):
    name = default_storage.save("students/photos/ARC001.png", ContentFile(b"\x89PNG a photo"))
    second = default_storage.save("students/photos/ARC001.png", ContentFile(b"\x89PNG another photo"))

    assert name == "students/photos/ARC001.png" and second != name  # never over an existing name
    body = s3.get_object(Bucket=buckets["media_bucket"], Key=name)["Body"].read()
    assert body == b"\x89PNG a photo"
    with default_storage.open(name) as handle:
        assert handle.read() == b"\x89PNG a photo"
    assert "X-Amz-Signature=" in default_storage.url(name)  # private: a short-lived signed address
    assert s3.list_objects_v2(Bucket=buckets["archive_bucket"]).get("KeyCount", 0) == 0


def test_a_printed_form_reads_a_student_s_photo_from_the_media_bucket_and_nothing_else(s3, buckets):
    photo = default_storage.save("students/photos/ARC003.png", ContentFile(b"\x89PNG\r\n\x1a\n ARC003"))
    default_storage.save("corrections/bai-kiem-tra.pdf", ContentFile(b"%PDF-1.4 evidence"))
    fetcher = pdf.LocalFetcher()

    assert fetcher.fetch(f"{pdf.BASE_URL}media/{photo}").read() == b"\x89PNG\r\n\x1a\n ARC003"
    for name in ("corrections/bai-kiem-tra.pdf", "students/photos/../../corrections/bai-kiem-tra.pdf",
                 "students/photos/missing.png", "students/photos/ARC003.html"):
        with pytest.raises(ValueError):
            fetcher.fetch(f"{pdf.BASE_URL}media/{name}")


# --- STORAGE_URL -----------------------------------------------------------------------------------


def test_storage_url_names_the_buckets_endpoint_and_region_and_never_credentials():
    assert objectstorage.parse_url("") == {}
    assert objectstorage.parse_url("s3://school-media?archive=school-archive&endpoint=http://127.0.0.1:9000"
                                   "&region=ap-southeast-1&addressing=path") == {
        "media_bucket": "school-media", "archive_bucket": "school-archive", "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "ap-southeast-1", "addressing_style": "path"}
    assert objectstorage.parse_url("s3://m?archive=a") == {"media_bucket": "m", "archive_bucket": "a",
                                                           "endpoint_url": "", "region_name": "",
                                                           "addressing_style": ""}
    for url, message in [("s3://key:secret@media?archive=a", "must not carry credentials"),
                         ("s3://media", "needs archive=ARCHIVE_BUCKET"),
                         ("https://media?archive=a", "must read s3://"),
                         ("s3://media/folder?archive=a", "must read s3://"),
                         ("s3://media?archive=a&bucket=b", "must read s3://")]:
        with pytest.raises(ImproperlyConfigured, match=message):
            objectstorage.parse_url(url)


def test_retention_counts_whole_years_from_today():
    assert objectstorage.retain_until(20, datetime(2026, 12, 2, tzinfo=UTC)) == datetime(2046, 12, 2, tzinfo=UTC)
    assert objectstorage.retain_until(1, datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2029, 3, 1, tzinfo=UTC)


# --- the local folder ------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_local_files_are_0440_and_folders_0750_whatever_the_umask(archive_root):
    previous = os.umask(0o000)
    try:
        stored = storage.put(b"%PDF-1.7 local", suffix=".pdf")
    finally:
        os.umask(previous)
    path = Path(archive_root) / stored.path
    assert mode(path) == 0o440
    assert [mode(folder) for folder in (path.parent, path.parent.parent, Path(archive_root))] == [0o750] * 3
    assert storage.read(stored.path) == b"%PDF-1.7 local"


def _another_group() -> grp.struct_group:
    """A group this process may give its files: any when it is root, else one of its own."""
    candidates = [group.gr_gid for group in grp.getgrall()] if os.geteuid() == 0 else os.getgroups()
    others = [gid for gid in candidates if gid != os.getegid()]
    assert others, "the test needs a second group the process may use"
    return grp.getgrgid(others[0])


def test_local_files_and_folders_get_the_archive_group_of_the_web_and_worker_users(settings, archive_root):
    group = _another_group()
    settings.ARCHIVE_GROUP = group.gr_name

    stored = storage.put(b"%PDF-1.7 for the web and the worker", suffix=".pdf")

    path = Path(archive_root) / stored.path
    assert [p.stat().st_gid for p in (path, path.parent, path.parent.parent)] == [group.gr_gid] * 3
    assert (mode(path), mode(path.parent)) == (0o440, 0o750)
    settings.ARCHIVE_GROUP = "no-such-group-here"
    with pytest.raises(storage.StorageError, match="ARCHIVE_GROUP names no group"):
        storage.put(b"%PDF-1.7 another", suffix=".pdf")


# --- backup and restore of the buckets -------------------------------------------------------------


def _database_naming(path: Path, stored: list[storage.Stored]) -> dict:
    """A small SQLite database whose archived documents name ``stored``, as the backup reads them."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE archive_archiveddocument (id INTEGER PRIMARY KEY, path TEXT, sha256 TEXT, "
                       "size INTEGER)")
    connection.executemany("INSERT INTO archive_archiveddocument (path, sha256, size) VALUES (?, ?, ?)",
                           [(item.path, item.sha256, item.size) for item in stored])
    connection.commit()
    connection.close()
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def _tar_files(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers() if member.isreg()}


def test_backup_and_restore_include_the_buckets(s3, s3_endpoint, buckets, settings, tmp_path, monkeypatch):
    from schoolrecords.management.commands import backup as backup_command

    stored = [storage.put(b"%PDF-1.7 ledger", suffix=".pdf"), storage.put(b"a,b\n1,2\n", suffix=".csv")]
    photo = default_storage.save("students/photos/ARC002.png", ContentFile(b"\x89PNG ARC002"))
    database = _database_naming(tmp_path / "source.sqlite3", stored)
    monkeypatch.setattr(backup_command, "source_database", lambda alias: database)
    sealed_during_the_dump = []
    real_dump = backup._dump_sqlite

    def dump_then_seal(*args, **kwargs):
        copy = real_dump(*args, **kwargs)
        # Sealed after the dump: not in the database copy, but the buckets are read afterwards, so the
        # backup has every file the dump names (and this one too, harmlessly).
        sealed_during_the_dump.append(storage.put(b"%PDF-1.7 sealed meanwhile", suffix=".pdf"))
        return copy

    monkeypatch.setattr(backup, "_dump_sqlite", dump_then_seal)
    output = tmp_path / "backups"

    call_command("backup", output=output, stdout=io.StringIO(), stderr=io.StringIO())

    ((manifest, folder),), unfinished = backup.backups_in(output)
    assert unfinished == [] and manifest["archive_problems"] == []
    assert [entry.name for entry in output.iterdir()] == [folder.name]  # the staging folder is gone
    archived = _tar_files(folder / "archive.tar")
    assert set(archived) == {item.path for item in stored + sealed_during_the_dump}
    assert all(storage.sha256_bytes(archived[item.path]) == item.sha256 for item in stored)
    assert _tar_files(folder / "media.tar") == {photo: b"\x89PNG ARC002"}

    # Restore into a new database, folder and new buckets; then once more, which adds nothing.
    new_media, new_archive = make_buckets(s3, prefix="r")
    url = f"s3://{new_media}?archive={new_archive}&endpoint={s3_endpoint}&region=us-east-1&addressing=path"
    out = io.StringIO()
    call_command("restore", str(folder), database_url=f"sqlite:///{tmp_path / 'restored.sqlite3'}",
                 var_dir=str(tmp_path / "restored"), storage_url=url, stdout=out, stderr=io.StringIO())

    assert "into the buckets: 1 media and 3 archive objects put" in out.getvalue()
    for item in stored:
        assert s3.get_object(Bucket=new_archive, Key=item.path)["Body"].read() == archived[item.path]
        assert s3.head_object(Bucket=new_archive, Key=item.path)["ObjectLockMode"] == "COMPLIANCE"
    assert s3.get_object(Bucket=new_media, Key=photo)["Body"].read() == b"\x89PNG ARC002"

    out = io.StringIO()
    call_command("restore", str(folder), database_url=f"sqlite:///{tmp_path / 'again.sqlite3'}",
                 var_dir=str(tmp_path / "again"), storage_url=url, stdout=out, stderr=io.StringIO())
    assert "into the buckets: 0 media and 0 archive objects put" in out.getvalue()
    assert "4 already there" in out.getvalue()
    assert all(len(versions(s3, new_archive, item.path)) == 1 for item in stored)


def _shell(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    environment = {name: value for name, value in os.environ.items()
                   if name not in {"STORAGE_URL", "ARCHIVE_RETENTION_YEARS", "ARCHIVE_GROUP", "DJANGO_SETTINGS_MODULE"}}
    environment.update({"DEBUG": "1", "VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_environment_s_storage_url_chooses_the_buckets_and_a_bad_one_stops_the_start(tmp_path):
    code = ("from django.core.files.storage import storages; from archive import storage; "
            "print(type(storages['default']).__name__, storages['default'].bucket_name, "
            "storage.backend().describe(), storage.backend().retention_years)")
    configured = _shell(tmp_path, code, STORAGE_URL="s3://school-media?archive=school-archive&region=us-east-1",
                        ARCHIVE_RETENTION_YEARS="15")
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.split() == ["S3Storage", "school-media", "s3://school-archive", "15"]

    embedded = _shell(tmp_path, "from django.core.files.storage import storages; from archive import storage; "
                                "print(type(storages['default']).__name__, type(storage.backend()).__name__)")
    assert embedded.stdout.split() == ["FileSystemStorage", "LocalBackend"], embedded.stderr

    refused = _shell(tmp_path, "from django.conf import settings; settings.INSTALLED_APPS; print('started')",
                     STORAGE_URL="s3://key:secret@school-media?archive=a")
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "STORAGE_URL must not carry credentials" in refused.stderr
