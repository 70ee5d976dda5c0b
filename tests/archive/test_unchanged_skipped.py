"""A periodic print of data that did not change since the version that stands is not rendered again: the job
counts it done and returns that version; changed data, a revoked version or an ad-hoc print are printed."""

import pytest

from archive import jobs, services, tasks
from archive.models import ArchivedDocument, Kind, Mode, Reissue

from .test_reissue import approve, correct

pytestmark = pytest.mark.django_db


def print_batch(small, kind, *, mode=Mode.PERIODIC, term=1):
    batch = jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=term, kind=kind,
                             mode=mode, classes=[small.school_class], dispatch=False)
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    batch.refresh_from_db()
    return batch


def sealed_by(batch):
    return list(ArchivedDocument.objects.filter(job__batch=batch).order_by("student__code", "pk"))


def test_printing_the_same_data_again_renders_nothing_and_counts_the_standing_versions_done(small, monkeypatch):
    small.approve_term1()
    first = {kind: sealed_by(print_batch(small, kind)) for kind in (Kind.LEDGER, Kind.SUMMARY, Kind.REPORT_CARD)}
    assert [len(documents) for documents in first.values()] == [1, 1, 3]

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr("archive.pdf.render", no_rendering)
    monkeypatch.setattr("archive.pdf.html_to_pdf", no_rendering)
    for kind, documents in first.items():
        batch = print_batch(small, kind)
        assert (batch.total, batch.done, batch.failed) == (len(documents), len(documents), 0)
        assert batch.finished_at is not None and sealed_by(batch) == []
        [job, *_others] = batch.jobs.all()
        assert job.status == "done"
    assert ArchivedDocument.objects.exclude(kind=Kind.SNAPSHOT).count() == 5
    assert set(ArchivedDocument.objects.exclude(kind=Kind.SNAPSHOT).values_list("version", flat=True)) == {1}


def test_job_run_returns_the_standing_versions_of_unchanged_data(small):
    small.approve_term1()
    [card_1, card_2, card_3] = sealed_by(print_batch(small, Kind.REPORT_CARD))
    batch = jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=Kind.REPORT_CARD,
                             mode=Mode.PERIODIC, classes=[small.school_class], dispatch=False)
    [job] = batch.jobs.all()
    assert sorted(services.job_run(job_id=job.pk), key=lambda d: d.pk) == [card_1, card_2, card_3]


def test_a_correction_re_issues_only_the_files_whose_data_changed(small, django_capture_on_commit_callbacks):
    small.approve_term1()
    [ledger] = sealed_by(print_batch(small, Kind.LEDGER))
    cards = sealed_by(print_batch(small, Kind.REPORT_CARD))
    assert [card.student.code for card in cards] == ["ARC001", "ARC002", "ARC003"]
    with django_capture_on_commit_callbacks(execute=True):
        correct(small, small.term1)  # a score of ARC001
    with django_capture_on_commit_callbacks(execute=True):
        approve(small, small.term1)
    assert Reissue.objects.get().done_at is not None
    for document in [ledger, *cards]:
        document.refresh_from_db()
    assert ledger.superseded_by.version == 2 and ledger.superseded_by.data_hash != ledger.data_hash
    assert cards[0].superseded_by.version == 2 and cards[0].superseded_by.data_hash != cards[0].data_hash
    for unchanged in cards[1:]:  # the other students' report cards show the same data: they stand
        assert not hasattr(unchanged, "superseded_by")
        assert ArchivedDocument.objects.filter(scope_key=unchanged.scope_key).count() == 1


def test_a_revoked_version_and_an_ad_hoc_print_are_printed_again(small):
    small.approve_term1()
    [summary] = sealed_by(print_batch(small, Kind.SUMMARY))
    services.document_revoke(actor=small.principal, document=summary, reason="In nhầm mẫu")
    [again] = sealed_by(print_batch(small, Kind.SUMMARY))
    assert (again.version, again.supersedes, again.data_hash) == (2, summary, summary.data_hash)
    [ad_hoc] = sealed_by(print_batch(small, Kind.SUMMARY, mode=Mode.AD_HOC))
    assert (ad_hoc.version, ad_hoc.mode, ad_hoc.data_hash) == (3, Mode.AD_HOC, summary.data_hash)
    [periodic] = sealed_by(print_batch(small, Kind.SUMMARY))  # the latest version is the ad-hoc copy
    assert (periodic.version, periodic.mode) == (4, Mode.PERIODIC)


def test_a_new_layout_revision_prints_unchanged_data_again(small, monkeypatch):
    small.approve_term1()
    [summary] = sealed_by(print_batch(small, Kind.SUMMARY))
    monkeypatch.setattr("archive.rendering.LAYOUT_REVISION", "a later layout")
    [again] = sealed_by(print_batch(small, Kind.SUMMARY))  # same data, new form: the new layout is sealed
    assert (again.version, again.supersedes) == (2, summary) and again.data_hash != summary.data_hash


def test_a_version_revoked_while_the_job_renders_does_not_break_the_job(small, monkeypatch):
    from archive import rendering

    small.approve_term1()
    [summary] = sealed_by(print_batch(small, Kind.SUMMARY))
    original = rendering.class_document

    def revoking(*args, **kwargs):  # the principal revokes the standing version meanwhile
        services.document_revoke(actor=small.principal, document=summary, reason="Thu hồi khi đang in")
        return original(*args, **kwargs)

    monkeypatch.setattr(rendering, "class_document", revoking)
    batch = print_batch(small, Kind.SUMMARY)
    assert (batch.total, batch.done, batch.failed) == (1, 1, 0)  # skipped on what was read before the render
