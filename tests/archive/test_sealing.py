"""Batches, jobs and the sealed archive: versions, idempotent tasks, refusals, snapshots, file checks."""

import datetime
import io
import os
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from archive import export, jobs, rendering, selectors, services, storage, tasks
from archive.models import ArchivedDocument, Kind, Mode, RenderBatch, RenderJob, SealedError
from seed.demo import demo_year

from .conftest import pdf_text

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def start(small, *, kind=Kind.SUMMARY, term=1, mode=Mode.AD_HOC, actor=None, **extra):
    return jobs.batch_start(actor=actor or small.demo.user("clerk"), year=small.year, term_number=term,
                                kind=kind, mode=mode, classes=[small.school_class], dispatch=False, **extra)


def run_all(batch):
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    batch.refresh_from_db()
    return batch


def test_a_batch_seals_one_document_per_job_with_its_hashes_pages_and_who(small):
    batch = run_all(start(small))
    assert (batch.total, batch.done, batch.failed, batch.finished) == (1, 1, 0, True)
    document = ArchivedDocument.objects.get(job__batch=batch)
    content = storage.read(document.path)
    assert document.sha256 == storage.sha256_bytes(content) and document.size == len(content)
    assert document.pages >= 1 and len(document.data_hash) == 64
    assert (document.kind, document.version, document.supersedes, document.created_by.username) == (
        Kind.SUMMARY, 1, None, "clerk")
    assert (document.year, document.term.number, document.school_class, document.student) == (
        small.year, 1, small.school_class, None)
    assert document.file_name == f"Bang-tong-hop-6A1-HK1-{DEMO_YEAR.next.name}-v1.pdf"
    assert oct(os.stat(storage.absolute(document.path)).st_mode & 0o777) == "0o440"  # read-only, and only for the owner and ARCHIVE_GROUP


def test_per_student_documents_are_one_file_each_for_the_students_in_the_class_at_the_term_end(small):
    batch = run_all(start(small, kind=Kind.PARENT_SLIP, term=2))
    assert (batch.total, batch.done) == (2, 2)
    documents = ArchivedDocument.objects.filter(job__batch=batch).order_by("student__code")
    assert [(d.student.code, d.file_name) for d in documents] == [
        ("ARC001", f"Phieu-lien-lac-6A1-ARC001-HK2-{DEMO_YEAR.next.name}-v1.pdf"), ("ARC002", f"Phieu-lien-lac-6A1-ARC002-HK2-{DEMO_YEAR.next.name}-v1.pdf")]
    assert "Nguyễn Thị Ánh Dương" in pdf_text(storage.read(documents[0].path))
    assert "Nguyễn Thị Ánh Dương" not in pdf_text(storage.read(documents[1].path))


@pytest.mark.parametrize("split", [True, False])
def test_a_class_of_per_student_documents_is_one_job_when_split_else_one_job_per_student(small, monkeypatch, split):
    monkeypatch.setattr(rendering, "SPLIT", split)
    batch = start(small, kind=Kind.REPORT_CARD, term=2)
    jobs = list(batch.jobs.values_list("student__code", "expected").order_by("student__code"))
    assert jobs == ([(None, 2)] if split else [("ARC001", 1), ("ARC002", 1)])
    assert batch.total == 2


def test_a_task_run_again_after_its_worker_died_adds_no_document(small):
    batch = start(small)
    job = batch.jobs.get()
    tasks.render_job.apply(args=[job.pk])
    # The worker died after sealing and before the broker heard of it: the message comes again, twice.
    tasks.render_job.apply(args=[job.pk])
    tasks.render_job.apply(args=[job.pk])
    assert ArchivedDocument.objects.filter(job=job).count() == 1
    batch.refresh_from_db()
    assert (batch.done, batch.failed) == (1, 0)


def test_a_task_killed_while_rendering_finishes_on_its_second_delivery(small):
    batch = start(small)
    job = batch.jobs.get()
    RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.RUNNING, attempts=1)
    tasks.render_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.attempts, ArchivedDocument.objects.filter(job=job).count()) == ("done", 2, 1)


def test_a_failing_job_is_retried_then_counted_as_failed_with_its_error(small, monkeypatch):
    calls = []

    def broken(job, standing):
        calls.append(job.pk)
        raise OSError("disk full")

    monkeypatch.setattr(services, "_render", broken)
    batch = run_all(start(small))
    job = batch.jobs.get()
    assert len(calls) == tasks.MAX_RETRIES + 1
    assert (job.status, batch.done, batch.failed, batch.finished) == ("failed", 0, 1, True)
    assert "disk full" in job.error
    assert not ArchivedDocument.objects.exists()


def test_a_job_that_fails_once_succeeds_on_its_retry(small, monkeypatch):
    real, calls = services._render, []

    def flaky(job, standing):
        calls.append(job.pk)
        if len(calls) == 1:
            raise OSError("worker lost")
        return real(job, standing)

    monkeypatch.setattr(services, "_render", flaky)
    batch = run_all(start(small))
    assert (batch.done, batch.failed, len(calls)) == (1, 0, 2)


def test_printing_again_makes_a_new_version_that_supersedes_the_old_one(small):
    first = ArchivedDocument.objects.get(job__batch=run_all(start(small)))
    second = ArchivedDocument.objects.get(job__batch=run_all(start(small)))
    assert (second.version, second.supersedes, second.scope_key) == (2, first, first.scope_key)
    assert second.file_name.endswith("-v2.pdf")
    assert second.data_hash == first.data_hash  # the same data, whatever the print date


def test_archived_documents_refuse_every_change(small):
    document = ArchivedDocument.objects.get(job__batch=run_all(start(small)))
    document.note = "changed"
    with pytest.raises(SealedError):
        document.save()
    with pytest.raises(SealedError):
        document.delete()
    with pytest.raises(SealedError):
        ArchivedDocument.objects.filter(pk=document.pk).update(note="changed")
    with pytest.raises(SealedError):
        ArchivedDocument.objects.filter(pk=document.pk).delete()
    document.refresh_from_db()
    assert document.note == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_on_postgresql_the_database_refuses_to_change_or_delete_an_archived_row(small):
    document = ArchivedDocument.objects.get(job__batch=run_all(start(small)))
    for sql in ("UPDATE archive_archiveddocument SET note = 'x' WHERE id = %s",
                "DELETE FROM archive_archiveddocument WHERE id = %s"):
        with pytest.raises(IntegrityError, match="sealed"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [document.pk])
    assert ArchivedDocument.objects.filter(pk=document.pk, note="").exists()


def test_storing_never_overwrites_and_reuses_identical_bytes(settings):
    first = storage.put(b"%PDF-1.7 one", suffix=".pdf")
    again = storage.put(b"%PDF-1.7 one", suffix=".pdf")
    assert first == again
    path = storage.absolute(first.path)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(storage.StorageError):
        storage.put(b"%PDF-1.7 one", suffix=".pdf")


def test_periodic_prints_wait_for_the_lock_of_the_book(small):
    with pytest.raises(ValidationError) as refused:
        start(small, mode=Mode.PERIODIC)
    assert "mode" in refused.value.error_dict and "6A1" in str(refused.value)
    assert not RenderBatch.objects.filter(year=small.year).exists()
    small.approve_term1()
    batch = run_all(start(small, mode=Mode.PERIODIC))
    document = ArchivedDocument.objects.get(job__batch=batch)
    assert document.mode == Mode.PERIODIC
    with translation.override("vi"):
        label = rendering.print_date_label(document.print_date)
    assert label not in pdf_text(storage.read(document.path))  # no print date on a periodic print


def test_ad_hoc_prints_carry_their_print_date_on_every_page(small):
    batch = run_all(start(small, kind=Kind.SUMMARY, term=2))
    document = ArchivedDocument.objects.get(job__batch=batch)
    text = pdf_text(storage.read(document.path))
    assert document.pages >= 2
    with translation.override("vi"):
        label = rendering.print_date_label(batch.print_date)
    assert text.count(label) == document.pages


def test_only_the_clerk_starts_a_batch(small):
    for username in ("principal", "board", "teacher_math"):
        with pytest.raises(PermissionDenied):
            start(small, actor=small.demo.user(username))


def test_a_resent_form_finds_the_batch_it_started(small):
    first = start(small, token="abc")
    assert start(small, token="abc") == first
    assert RenderBatch.objects.filter(token="abc").count() == 1


def test_transfer_print_is_an_ad_hoc_batch_of_one_report_card(small, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = jobs.transfer_print(actor=small.demo.user("clerk"), enrolment=small.enrolments["ARC003"])
    batch.refresh_from_db()
    document = ArchivedDocument.objects.get(job__batch=batch)
    assert (batch.term.number, batch.mode, document.variant, document.student.code) == (2, "ad_hoc", "transfer",
                                                                                       "ARC003")
    assert document.file_name == f"Hoc-ba-6A1-ARC003-HK2-{DEMO_YEAR.next.name}-chuyen-truong-v1.pdf"


# --- snapshots -------------------------------------------------------------------------------------


def test_a_snapshot_seals_the_terms_scores_as_csv_once_per_occasion(small, django_capture_on_commit_callbacks):
    clerk = small.demo.user("clerk")
    first = services.snapshot_take(actor=clerk, term=small.term1, key="request:1")
    assert services.snapshot_take(actor=clerk, term=small.term1, key="request:1") == first
    text = storage.read(first.path).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("class,student_code,full_name")
    assert "6A1,ARC001,Nguyễn Thị Ánh Dương,toan,Toán,1,gk,8.5" in text
    assert len(lines) == 1 + 3 * 6 + 2 * 5  # Toán for three students, GDTC for two (one is exempt)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.snapshot_for_window_closed(term_id=small.term1.pk, window_key=f"7@{DEMO_YEAR.first + 2}-01-05")
        jobs.snapshot_for_window_closed(term_id=small.term1.pk, window_key=f"7@{DEMO_YEAR.first + 2}-01-05")
    window = ArchivedDocument.objects.get(idempotency_key=f"snapshot:window:7@{DEMO_YEAR.first + 2}-01-05")
    assert (window.mode, window.version, window.supersedes, window.data_hash) == (
        "periodic", 2, first, first.data_hash)


def test_closing_an_entry_window_seals_one_snapshot_of_its_term(small, django_capture_on_commit_callbacks):
    from gradebook import signals

    board = small.demo.user("board")
    with django_capture_on_commit_callbacks(execute=True):
        for _twice in range(2):
            signals.send_on_commit(signals.window_closed, window_id=7, term_id=small.term1.pk,
                                   key=f"7:{DEMO_YEAR.first + 2}0105T170000", actor_id=board.pk)
    snapshot = ArchivedDocument.objects.get(kind=Kind.SNAPSHOT)
    assert (snapshot.mode, snapshot.term, snapshot.created_by.username) == ("periodic", small.term1, "board")


# --- checking the files ----------------------------------------------------------------------------


def test_archive_verify_passes_then_catches_a_changed_byte_and_a_missing_file(small):
    clerk = small.demo.user("clerk")
    one = services.snapshot_take(actor=clerk, term=small.term1, key="a")
    two = ArchivedDocument.objects.get(job__batch=run_all(start(small)))
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    assert "2 archived file(s): 2 ok, 0 missing, 0 changed; 0 unlisted" in out.getvalue()

    path = storage.absolute(two.path)
    os.chmod(path, 0o644)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    storage.absolute(one.path).unlink()
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 archived file"):
        call_command("archive_verify", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("MISSING") and one.file_name in line for line in lines)
    assert any(line.startswith("CHANGED") and two.file_name in line for line in lines)


def test_archive_verify_lists_a_file_no_document_names_without_failing(small):
    sealed = services.snapshot_take(actor=small.demo.user("clerk"), term=small.term1, key="a")
    stray = storage.put(b"left by a worker killed before sealing", suffix=".pdf")
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"UNLISTED {stray.path}" in lines
    assert not any(line.startswith("UNLISTED") and sealed.path in line for line in lines)
    assert lines[-1] == "1 archived file(s): 1 ok, 0 missing, 0 changed; 1 unlisted file(s) in the folder"


def test_a_class_zip_holds_every_version_and_a_manifest_that_matches(small):
    run_all(start(small))
    run_all(start(small))
    documents = export.documents_for_zip(selectors.documents(actor=small.demo.user("clerk"), year=small.year,
                                                             school_class=small.school_class))
    data = b"".join(export.zip_stream(documents))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = archive.read("MANIFEST.csv").decode("utf-8-sig").splitlines()
        sums = archive.read("SHA256SUMS").decode().splitlines()
        assert sorted(names) == sorted([f"{DEMO_YEAR.next.name}/6A1/Bang-tong-hop-6A1-HK1-{DEMO_YEAR.next.name}-v1.pdf",
                                        f"{DEMO_YEAR.next.name}/6A1/Bang-tong-hop-6A1-HK1-{DEMO_YEAR.next.name}-v2.pdf", "MANIFEST.csv",
                                        "SHA256SUMS"])
        for line in sums:
            digest, name = line.split("  ")
            assert storage.sha256_bytes(archive.read(name)) == digest
    assert manifest[0].startswith("file,sha256,size")
    assert len(manifest) == 3


def test_the_command_renders_and_reports_with_wait(small):
    out = io.StringIO()
    call_command("archive_render", "--year", f"{DEMO_YEAR.next.name}", "--term", "1", "--kind", "summary", "--class", "6A1",
                 "--ad-hoc", "--wait", stdout=out)
    text = out.getvalue()
    assert f"ok     Bang-tong-hop-6A1-HK1-{DEMO_YEAR.next.name}-v1.pdf" in text
    assert "1 of 1 document(s) sealed" in text
    with pytest.raises(CommandError, match="6A1"):  # the class still open, in whichever language
        call_command("archive_render", "--year", f"{DEMO_YEAR.next.name}", "--term", "1", "--kind", "summary", "--wait",
                     stdout=io.StringIO())


def test_the_command_queues_without_wait(small, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("archive_render", "--year", f"{DEMO_YEAR.next.name}", "--term", "1", "--kind", "summary", "--ad-hoc",
                     stdout=out)
    assert "1 document(s) queued" in out.getvalue()
    assert ArchivedDocument.objects.filter(kind=Kind.SUMMARY, year=small.year).count() == 1


def test_print_dates_are_the_batchs_local_date(small):
    batch = start(small)
    assert batch.print_date == datetime.date.today() or abs((batch.print_date - datetime.date.today()).days) <= 1


def test_split_rendering_in_small_chunks_still_gives_each_student_their_own_file(small, monkeypatch):
    monkeypatch.setattr(rendering, "SPLIT_CHUNK", 1)
    documents = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, split=True)
    texts = {document.student.code: pdf_text(document.pdf.content) for document in documents}
    assert sorted(texts) == ["ARC001", "ARC002"]
    assert "Nguyễn Thị Ánh Dương" in texts["ARC001"] and "Nguyễn Thị Ánh Dương" not in texts["ARC002"]
    assert "Trần Văn Đức" in texts["ARC002"]
