"""The archive's pages: who may open them, the print form, progress polling, downloads, zips, query counts."""

import io
import zipfile

import pytest
from django.urls import reverse

from archive import jobs, services, storage
from archive.models import ArchivedDocument, Kind, Mode, RenderBatch

pytestmark = pytest.mark.django_db


def start_url(year):
    return f"{reverse('archive:batch_start')}?year={year.pk}"


def form_data(small, **extra):
    data = {"kind": Kind.SUMMARY, "term": "1", "mode": Mode.AD_HOC, "classes": [small.school_class.pk],
            "token": "t-1", "reason": "Kiểm tra của phòng giáo dục"}
    data.update(extra)
    return data


def seal_snapshot(small, key):
    return services.snapshot_take(actor=small.demo.user("clerk"), term=small.term1, key=key)


@pytest.mark.parametrize("username", ["clerk", "principal", "vice"])
def test_the_clerk_and_the_school_leaders_open_the_archive(login, demo, username):
    response = login(username).get(reverse("archive:index"))
    assert response.status_code == 200
    assert ('id="start-batch"' in response.text) == (username == "clerk")  # only the clerk prints


@pytest.mark.parametrize("username", ["board", "teacher_math", "homeroom_6a1"])
def test_the_admin_board_and_teachers_may_not_open_the_archive(login, demo, username):
    client = login(username)
    assert client.get(reverse("archive:index")).status_code == 403
    assert client.get(reverse("archive:documents")).status_code == 403


def test_another_schools_year_class_batch_and_document_are_not_found(login, small, other_school):
    from schoolrecords.services import system_user

    system = system_user()
    other = other_school
    document = services.snapshot_take(actor=system, term=other["year"].terms.get(number=1), key="o")
    batch = jobs.batch_start(actor=system, year=other["year"], term_number=1, kind=Kind.SUMMARY,
                                 mode=Mode.AD_HOC, dispatch=False)
    client = login("clerk")
    for url in (f"{reverse('archive:index')}?year={other['year'].pk}", reverse("archive:download", args=[document.pk]),
                reverse("archive:batch", args=[batch.pk]), reverse("archive:batch_progress", args=[batch.pk]),
                reverse("archive:zip_class", args=[other["school_class"].pk]),
                reverse("archive:zip_year", args=[other["year"].pk])):
        assert client.get(url).status_code == 404, url
    response = client.post(f"{reverse('archive:batch_start')}?year={other['year'].pk}",
                           {"kind": Kind.SUMMARY, "term": "1", "mode": Mode.AD_HOC, "all_classes": "on"})
    assert response.status_code == 404


def test_the_clerk_starts_a_batch_and_finds_the_finished_documents_on_its_page(login, small,
                                                                              django_capture_on_commit_callbacks):
    client = login("clerk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start_url(small.year), form_data(small))
    batch = RenderBatch.objects.get(token="t-1")
    assert response.status_code == 302 and response.url == reverse("archive:batch", args=[batch.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    document = ArchivedDocument.objects.get(job__batch=batch)
    assert document.file_name in page.text and 'id="batch-finished"' in page.text
    assert document.note == "Kiểm tra của phòng giáo dục"
    # the same form sent again starts nothing new
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(start_url(small.year), form_data(small))
    assert again.url == response.url and RenderBatch.objects.filter(year=small.year).count() == 1


def test_a_periodic_print_before_the_lock_is_refused_at_the_mode_field_and_nothing_starts(login, small):
    response = login("clerk").post(start_url(small.year), form_data(small, mode=Mode.PERIODIC))
    assert response.status_code == 400
    errors = response.context["batch_form"].errors
    assert list(errors) == ["mode"] and "6A1" in errors["mode"][0]
    assert not RenderBatch.objects.filter(year=small.year).exists()


def test_the_form_asks_for_a_class(login, small):
    response = login("clerk").post(start_url(small.year), form_data(small, classes=[]))
    assert response.status_code == 400 and "classes" in response.context["batch_form"].errors


def test_the_progress_fragment_polls_until_the_batch_finishes(login, small):
    batch = jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=Kind.SUMMARY,
                                 mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
    client = login("principal")
    running = client.get(reverse("archive:batch_progress", args=[batch.pk]))
    assert running.status_code == 200 and 'hx-trigger="every 1s"' in running.text and "0 / 1" in running.text
    services.job_run(job_id=batch.jobs.get().pk)
    finished = client.get(reverse("archive:batch_progress", args=[batch.pk]))
    assert finished.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in finished.text and "1 / 1" in finished.text


def test_downloads_hand_out_the_sealed_bytes_and_refuse_a_changed_file(login, small):
    document = seal_snapshot(small, "d")
    for username in ("clerk", "principal", "vice"):
        response = login(username).get(reverse("archive:download", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == storage.read(document.path)
        assert document.file_name in response["Content-Disposition"]
    assert login("teacher_math").get(reverse("archive:download", args=[document.pk])).status_code == 403
    path = storage.absolute(document.path)
    path.chmod(0o644)
    path.write_bytes(b"changed")
    assert login("clerk").get(reverse("archive:download", args=[document.pk])).status_code == 409


def test_the_year_zip_has_the_files_and_their_manifest(login, small):
    seal_snapshot(small, "z1")
    seal_snapshot(small, "z2")
    response = login("principal").get(reverse("archive:zip_year", args=[small.year.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert "MANIFEST.csv" in archive.namelist() and "SHA256SUMS" in archive.namelist()
        assert len(archive.read("SHA256SUMS").decode().splitlines()) == 2


def test_the_snapshot_button_seals_a_csv_once_per_form(login, small, django_capture_on_commit_callbacks):
    client = login("clerk")
    url = f"{reverse('archive:snapshot')}?year={small.year.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"term": "1", "token": "s-1"})
        client.post(url, {"term": "1", "token": "s-1"})
    assert first.status_code == 302
    assert list(ArchivedDocument.objects.filter(kind=Kind.SNAPSHOT).values_list("content_type", flat=True)) == [
        "text/csv"]
    assert login("principal").post(url, {"term": "1", "token": "s-2"}).status_code == 403


def test_the_transfer_form_names_an_unknown_student_code_at_its_field(login, small):
    response = login("clerk").post(f"{reverse('archive:transfer_print')}?year={small.year.pk}",
                                   {"student_code": "NOPE", "token": "x"})
    assert response.status_code == 400 and "student_code" in response.context["transfer_form"].errors
    assert not RenderBatch.objects.exists()


def test_document_list_queries_do_not_grow_with_the_documents(login, small, django_assert_num_queries):
    client = login("clerk")
    url = f"{reverse('archive:documents')}?year={small.year.pk}"
    seal_snapshot(small, "q1")
    client.get(url)  # warm the per-request caches of the session
    with django_assert_num_queries(12) as first:
        assert client.get(url).status_code == 200
    for key in ("q2", "q3", "q4", "q5"):
        seal_snapshot(small, key)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.text.count("archive/documents/") >= 5


def test_index_queries_do_not_grow_with_the_batches(login, small, django_assert_num_queries):
    client = login("clerk")
    url = f"{reverse('archive:index')}?year={small.year.pk}"
    for _number in range(2):
        jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=Kind.SUMMARY,
                             mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
    client.get(url)
    with django_assert_num_queries(19) as first:  # 18, and the year's pending re-issues
        client.get(url)
    for _number in range(5):
        jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=Kind.SUMMARY,
                             mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


def test_batch_page_queries_do_not_grow_with_its_documents(login, small, monkeypatch, django_assert_num_queries):
    from archive import pdf, rendering

    def fake_render(job, standing):  # sealing is what this test is about, not WeasyPrint
        return [rendering.Rendered(kind=Kind.PARENT_SLIP, variant="", school_class=job.school_class,
                                   student=enrolment.student, pdf=pdf.Pdf(f"%PDF {enrolment.pk}".encode(), 1),
                                   data_hash="0" * 64)
                for enrolment in small.school_class.enrolments.select_related("student")[:count]]

    monkeypatch.setattr(services, "_render", fake_render)
    client = login("clerk")
    counts = []
    for count in (1, 3):
        batch = jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1,
                                     kind=Kind.SUMMARY, mode=Mode.AD_HOC, classes=[small.school_class],
                                     dispatch=False)
        services.job_run(job_id=batch.jobs.get().pk)
        url = reverse("archive:batch", args=[batch.pk])
        client.get(url)
        with django_assert_num_queries(9) as captured:
            response = client.get(url)
        counts.append(len(captured.captured_queries))
        assert response.text.count("archive/documents/") == count
    assert counts[0] == counts[1]


def test_a_form_token_another_school_used_is_refused_with_a_message_not_a_server_error(login, small, other_school):
    from schoolrecords.services import system_user

    jobs.batch_start(actor=system_user(), year=other_school["year"], term_number=1, kind=Kind.SUMMARY,
                     mode=Mode.AD_HOC, token="t-1", dispatch=False)

    response = login("clerk").post(start_url(small.year), form_data(small))  # its token is "t-1" too

    assert response.status_code == 400
    assert "Biểu mẫu này đã hết hạn" in response.content.decode()
    assert not RenderBatch.objects.filter(year=small.year).exists()


def test_pages_and_downloads_of_a_logged_in_person_are_never_cached(login, small):
    client = login("clerk")
    document = services.snapshot_take(actor=small.demo.user("clerk"), term=small.term1, key="cache")

    for response in (client.get(reverse("archive:index")), client.get(reverse("archive:download",
                                                                                args=[document.pk]))):
        assert response.status_code == 200
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_a_missing_file_stops_the_zip_before_it_starts_with_a_message(login, small, caplog):
    gone = seal_snapshot(small, "m1")
    path = storage.absolute(gone.path)
    path.parent.chmod(0o755)
    path.chmod(0o644)
    path.unlink()
    client = login("principal")

    response = client.get(reverse("archive:zip_year", args=[small.year.pk]))

    assert response.status_code == 302 and not hasattr(response, "streaming_content")
    page = client.get(response["Location"]).content.decode()
    assert "nothing was downloaded" in page or "Không có gì được tải về" in page
    assert gone.file_name in page
    assert f"archive_file_missing count=1 files={gone.file_name}" in caplog.text


def test_zip_members_are_named_like_files_whatever_the_class_is_called(small):
    from types import SimpleNamespace

    from archive.export import member_name

    document = SimpleNamespace(school_class_id=1, school_class=SimpleNamespace(name="../../etc"),
                               year=SimpleNamespace(name="2025-2026"), file_name="ledger_2025-2026_T1_x_v1.pdf")

    name = member_name(document)
    parts = name.split("/")
    assert len(parts) == 3 and parts[0] == "2025-2026" and parts[2] == "ledger_2025-2026_T1_x_v1.pdf"
    assert parts[1] not in ("", ".", "..") and not parts[1].startswith(".") and "\\" not in name
