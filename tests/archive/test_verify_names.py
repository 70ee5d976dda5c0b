"""archive_verify's checks beyond the hashes: a file's name is its SHA-256, and the documents match a backup's MANIFEST.

A superuser could rewrite an archived document's row (with the trigger off) to match a tampered file;
these tests do the same, on PostgreSQL with triggers off for the test's transaction
(session_replication_role, as such an attacker would), on SQLite directly.
"""

import io
import json
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive import services, storage
from archive.models import ArchivedDocument
from schoolrecords import backup

pytestmark = pytest.mark.django_db


def rewrite_row(document: ArchivedDocument, **columns) -> None:
    """Change a sealed row behind the model's back, as someone with the database's superuser could."""
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"UPDATE archive_archiveddocument SET {assignments} WHERE id = %s", [*columns.values(),
                                                                                           document.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def delete_row(document: ArchivedDocument) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM archive_archiveddocument WHERE id = %s", [document.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def overwrite(relative: str, content: bytes) -> None:
    path = storage.absolute(relative)
    os.chmod(path, 0o644)
    path.write_bytes(content)


def verify(*arguments) -> tuple[list[str], str]:
    """The command's lines, and its error ('' if it passed)."""
    out = io.StringIO()
    try:
        call_command("archive_verify", *arguments, stdout=out)
    except CommandError as error:
        return out.getvalue().splitlines(), str(error)
    return out.getvalue().splitlines(), ""


def write_backup(folder, name: str, created_at: str) -> "os.PathLike":
    """A backup folder with just the MANIFEST archive_verify reads: the documents as they are now."""
    target = folder / name
    target.mkdir(parents=True)
    documents = [{"id": row["id"], "path": row["path"], "sha256": row["sha256"], "size": row["size"]}
                 for row in ArchivedDocument.objects.order_by("pk").values("id", "path", "sha256", "size")]
    manifest = {"format": backup.FORMAT, "name": name, "created_at": created_at, "files": {},
                "archived_documents": documents}
    (target / backup.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return target


@pytest.fixture
def sealed(small):
    return services.snapshot_take(actor=small.demo.user("clerk"), term=small.term1, key="a")


def test_a_file_changed_with_its_hash_rewritten_in_the_row_is_misnamed(sealed):
    tampered = b"class,student,score\n6A1,ARC002,10\n"
    overwrite(sealed.path, tampered)
    rewrite_row(sealed, sha256=storage.sha256_bytes(tampered), size=len(tampered))

    lines, error = verify()

    # The hash check alone passes: the row matches the tampered file. The name does not.
    assert not any(line.startswith("CHANGED") for line in lines)
    misnamed = [line for line in lines if line.startswith("MISNAMED")]
    assert len(misnamed) == 1 and sealed.path in misnamed[0] and storage.sha256_bytes(tampered) in misnamed[0]
    assert error == "1 archived file(s): 1 ok, 0 missing, 0 changed, 1 misnamed; 0 unlisted file(s) in the folder"


def test_a_renamed_file_is_reported(sealed):
    renamed = f"objects/{sealed.sha256[:2]}/renamed{sealed.sha256[-8:]}.csv"
    os.rename(storage.absolute(sealed.path), storage.absolute(renamed))

    lines, error = verify()  # renamed on the disk only: missing, and a stray file whose name is not its hash
    assert f"MISSING  {sealed.path}  {sealed.file_name}" in lines
    assert f"UNLISTED {renamed}  MISNAMED: its content's sha256 is {sealed.sha256}" in lines
    assert "1 missing" in error and "1 misnamed" in error

    rewrite_row(sealed, path=renamed)  # and the row made to follow it
    lines, error = verify("--quiet")
    assert [line for line in lines if not line.startswith("MISNAMED")] == []
    assert len(lines) == 1 and renamed in lines[0] and f"its file would be {sealed.path}" in lines[0]
    assert error.startswith("1 archived file(s): 1 ok, 0 missing, 0 changed, 1 misnamed;")


def test_a_half_written_file_is_listed_without_being_misnamed(sealed):
    leftover = storage.absolute(sealed.path).parent / ".tmp-0123456789abcdef"
    leftover.write_bytes(b"half")
    lines, error = verify()
    assert error == ""
    assert f"UNLISTED objects/{sealed.sha256[:2]}/.tmp-0123456789abcdef" in lines
    assert lines[-1] == "1 archived file(s): 1 ok, 0 missing, 0 changed; 1 unlisted file(s) in the folder"


def test_documents_equal_to_the_last_backup_pass_and_later_ones_are_counted(sealed, small, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    write_backup(tmp_path / "backups", "schoolrecords-20270101T000000Z", "2027-01-01T00:00:00Z")
    write_backup(tmp_path / "backups", "schoolrecords-20270102T000000Z", "2027-01-02T00:00:00Z")
    services.snapshot_take(actor=small.demo.user("clerk"), term=small.term2, key="b")

    lines, error = verify("--backup")

    assert error == ""
    assert lines[-1].endswith(f"against the backup {tmp_path / 'backups' / 'schoolrecords-20270102T000000Z'} "
                              f"(made 2027-01-02T00:00:00Z): 1 equal, 0 gone or different, 1 sealed since")


def test_a_document_replaced_under_a_correct_new_name_differs_from_the_backups_manifest(sealed, tmp_path):
    folder = write_backup(tmp_path, "schoolrecords-20270101T000000Z", "2027-01-01T00:00:00Z")
    # Replaced whole: a new file stored under its own hash, and the row pointed at it. Names and hashes agree.
    replacement = storage.put(b"class,student,score\n6A1,ARC001,10\n", suffix=".csv")
    rewrite_row(sealed, path=replacement.path, sha256=replacement.sha256, size=replacement.size)
    lines, error = verify()
    assert error == ""  # without the backup nothing shows

    lines, error = verify("--backup", str(folder / backup.MANIFEST))

    differs = [line for line in lines if line.startswith("DIFFERS")]
    assert len(differs) == 1
    assert f"document {sealed.pk}: the backup schoolrecords-20270101T000000Z has {sealed.path} sha256 " \
           f"{sealed.sha256}" in differs[0] and replacement.path in differs[0]
    assert error.endswith("0 equal, 1 gone or different, 0 sealed since")


def test_a_document_deleted_since_the_backup_is_gone(sealed, tmp_path):
    folder = write_backup(tmp_path, "schoolrecords-20270101T000000Z", "2027-01-01T00:00:00Z")
    delete_row(sealed)
    lines, error = verify("--backup", str(folder))
    assert f"GONE     document {sealed.pk} {sealed.path}: in the backup schoolrecords-20270101T000000Z, no longer " \
           f"in the database" in lines
    assert "1 gone or different" in error


def test_a_folder_without_a_finished_backup_is_a_clear_error(tmp_path):
    (tmp_path / "schoolrecords-20270101T000000Z").mkdir()  # did not finish: no MANIFEST
    with pytest.raises(CommandError, match="holds no finished backup"):
        call_command("archive_verify", "--backup", str(tmp_path), stdout=io.StringIO())
