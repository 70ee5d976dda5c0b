"""Documents printed from data a correction changed after the approval: marked, then re-issued as new versions
once the principal approves again; the old files never change."""

import pytest
from django.urls import reverse

from archive import jobs, storage, tasks
from archive.models import ArchivedDocument, Kind, Mode, Reissue
from gradebook.models import Score
from gradebook.results import services as results_services
from tests.gradebook.test_reopen import approved_correction

pytestmark = pytest.mark.django_db

PENDING = "in từ dữ liệu đã được sửa sau đó — đang chờ in lại"


def printed(small, kind, term=1, mode=Mode.AD_HOC) -> list[ArchivedDocument]:
    batch = jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=term, kind=kind, mode=mode,
                             classes=[small.school_class], dispatch=False)
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    return list(ArchivedDocument.objects.filter(job__batch=batch).order_by("pk"))


def correct(small, term, new_value="10"):
    score = Score.objects.select_related("enrolment__school_class", "subject", "term").get(
        enrolment=small.enrolments["ARC001"], subject=small.toan, term=term, kind="ck")
    return approved_correction(score, new_value, requester=small.demo.user("teacher_math"), decider=small.principal,
                               witness=small.demo.user("board"))


def approve(small, term):
    return results_services.results_approve(actor=small.principal, school_class=small.school_class, term=term)


def fingerprint(documents) -> dict[int, tuple[str, int, str]]:
    """Each document's sealed hash and size, and the hash of its file as it is on disk now."""
    return {document.pk: (document.sha256, document.size, storage.sha256_bytes(storage.read(document.path)))
            for document in ArchivedDocument.objects.filter(pk__in=[d.pk for d in documents])}


def test_a_correction_after_the_approval_marks_the_prints_and_approving_again_reissues_each_as_a_new_version(
        small, client, django_capture_on_commit_callbacks):
    small.approve_term1()
    old = [*printed(small, Kind.LEDGER, mode=Mode.PERIODIC), *printed(small, Kind.SUMMARY),
           *printed(small, Kind.REPORT_CARD)]
    assert len(old) == 2 + 3  # ledger, summary, a report card for each of the three students of term I
    before = fingerprint(old)

    with django_capture_on_commit_callbacks(execute=True):
        request = correct(small, small.term1)
    [reissue] = Reissue.objects.all()
    assert (reissue.term, reissue.done_at, reissue.requested_by) == (small.term1, None, small.principal)
    assert str(request.pk) in reissue.reason
    client.force_login(small.demo.user("clerk"))
    page = client.get(reverse("archive:documents") + f"?year={small.year.pk}").content.decode()
    assert page.count(PENDING) == len(old)
    index = client.get(reverse("archive:index") + f"?year={small.year.pk}").content.decode()
    assert 'id="reissues"' in index and str(request.pk) in index

    with django_capture_on_commit_callbacks(execute=True):
        approve(small, small.term1)

    reissue.refresh_from_db()
    assert reissue.done_at is not None and reissue.batches.count() == 3  # ledger; summary; report cards
    for document in old:
        document.refresh_from_db()
        new = document.superseded_by
        assert (new.version, new.scope_key, new.kind, new.mode, new.student_id) == (
            2, document.scope_key, document.kind, document.mode, document.student_id)
        assert new.created_by == small.principal and new.job.batch.reissue == reissue
    # exactly those documents, once each (the correction's sealed minutes and the new approval's snapshot are
    # not prints)
    assert ArchivedDocument.objects.exclude(kind__in=[Kind.CORRECTION_MINUTES, Kind.SNAPSHOT]).count() == 2 * len(old)
    assert ArchivedDocument.objects.filter(kind=Kind.CORRECTION_MINUTES).count() == 1
    assert ArchivedDocument.objects.filter(kind=Kind.SNAPSHOT, school_class=small.school_class).count() == 1
    ledger = next(document for document in old if document.kind == Kind.LEDGER)
    assert ledger.superseded_by.data_hash != ledger.data_hash  # printed from the corrected data
    assert fingerprint(old) == before  # the old files and rows untouched
    assert all(sha == on_disk for sha, _size, on_disk in before.values())
    page = client.get(reverse("archive:documents") + f"?year={small.year.pk}").content.decode()
    assert PENDING not in page and page.count("được thay thế bởi phiên bản 2") == len(old)


def test_a_correction_before_any_approval_marks_nothing(small, django_capture_on_commit_callbacks):
    printed(small, Kind.SUMMARY)
    with django_capture_on_commit_callbacks(execute=True):
        correct(small, small.term1)
    assert not Reissue.objects.exists()


def test_a_term_one_correction_marks_the_year_end_prints_too_and_they_wait_for_the_year_approval(
        small, django_capture_on_commit_callbacks):
    small.approve_term1()
    [term1] = printed(small, Kind.SUMMARY, term=1)
    [term2] = printed(small, Kind.SUMMARY, term=2)  # the year's table, ad hoc: the year is not approved yet
    with django_capture_on_commit_callbacks(execute=True):
        correct(small, small.term1)
    assert set(Reissue.objects.values_list("term__number", flat=True)) == {1, 2}

    with django_capture_on_commit_callbacks(execute=True):
        approve(small, small.term1)
    term1.refresh_from_db()
    term2.refresh_from_db()
    assert term1.superseded_by.version == 2
    assert not hasattr(term2, "superseded_by")  # the year-end print waits for the year's approval
    assert list(Reissue.objects.filter(done_at__isnull=True).values_list("term__number", flat=True)) == [2]


def test_a_second_correction_before_the_new_approval_keeps_one_pending_reissue_with_both_reasons(
        small, django_capture_on_commit_callbacks):
    small.approve_term1()
    printed(small, Kind.SUMMARY)
    with django_capture_on_commit_callbacks(execute=True):
        first = correct(small, small.term1, "10")
    approve(small, small.term1)  # not heard here: the re-issue is still pending
    with django_capture_on_commit_callbacks(execute=True):
        second = correct(small, small.term1, "9.5")
    [reissue] = Reissue.objects.all()
    assert str(first.pk) in reissue.reason and str(second.pk) in reissue.reason


def test_the_documents_page_marks_pending_reissues_without_a_query_per_row(small, client,
                                                                          django_capture_on_commit_callbacks,
                                                                          django_assert_max_num_queries):
    small.approve_term1()
    printed(small, Kind.REPORT_CARD)
    with django_capture_on_commit_callbacks(execute=True):
        correct(small, small.term1)
    client.force_login(small.demo.user("clerk"))
    url = reverse("archive:documents") + f"?year={small.year.pk}"
    client.get(url)
    with django_assert_max_num_queries(12) as captured:
        client.get(url)
    printed(small, Kind.REPORT_CARD)
    with django_assert_max_num_queries(len(captured)):
        assert client.get(url).content.decode().count(PENDING) == 3  # the new versions are not stale
