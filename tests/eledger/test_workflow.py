"""The review state machine: every transition, the forbidden ones, self-review, immutability, the log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from eledger import services
from eledger.models import Document, Review, Transition

from .conftest import pdf_upload

S = Document.Status


def statuses(document):
    return list(document.transitions.order_by("at", "pk").values_list("action", "from_status", "to_status"))


def test_upload_with_submit_creates_a_submitted_plan_with_its_log(demo, store):
    plan = store.lesson_plan()
    assert plan.status == S.SUBMITTED
    assert plan.title == "TOÁN 6_TIẾT 1_TẬP HỢP"
    assert plan.department == demo.subject("toan").department
    assert statuses(plan) == [("create", "", "draft"), ("submit", "draft", "submitted")]
    review = Review.objects.get(document=plan)
    assert review.status == Review.Status.OPEN and review.version == plan.current_version


def test_draft_then_submit(demo, store):
    plan = store.lesson_plan(submit=False)
    assert plan.status == S.DRAFT
    assert not Review.objects.filter(document=plan).exists()
    plan = services.document_submit(actor=demo.user("teacher_math"), document=plan, comment="Nhờ tổ trưởng duyệt")
    assert plan.status == S.SUBMITTED
    last = plan.transitions.last()
    assert (last.action, last.actor.username, last.comment) == ("submit", "teacher_math", "Nhờ tổ trưởng duyệt")


def test_head_approves_and_the_review_records_who_when_and_comment(demo, store):
    plan = store.lesson_plan()
    head = demo.user("head_math")
    plan = services.document_approve(actor=head, document=plan, comment="Đạt yêu cầu")
    assert plan.status == S.APPROVED
    review = Review.objects.get(document=plan)
    assert (review.status, review.decided_by, review.comment) == (Review.Status.APPROVED, head, "Đạt yêu cầu")
    assert review.decided_at is not None
    last = plan.transitions.last()
    assert (last.action, last.from_status, last.to_status, last.actor, last.comment) == (
        "approve", "submitted", "approved", head, "Đạt yêu cầu")
    assert plan.history.first().history_user == head


def test_return_needs_a_comment_and_then_the_teacher_resubmits(demo, store):
    plan = store.lesson_plan()
    head, teacher = demo.user("head_math"), demo.user("teacher_math")
    with pytest.raises(ValidationError) as caught:
        services.document_return(actor=head, document=plan, comment="   ")
    assert "comment" in caught.value.error_dict
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED  # nothing half-changed

    plan = services.document_return(actor=head, document=plan, comment="Bổ sung phần luyện tập")
    assert plan.status == S.RETURNED
    version = services.document_upload(actor=teacher, document=plan, content=pdf_upload("TOÁN 6_TIẾT 1_TẬP HỢP.pdf"),
                                       filename="TOÁN 6_TIẾT 1_TẬP HỢP.pdf", today=plan.teaching_date)
    assert version.number == 2
    plan = services.document_submit(actor=teacher, document=plan)
    assert plan.status == S.SUBMITTED
    assert [a for a, _f, _t in statuses(plan)] == ["create", "submit", "return", "upload", "resubmit"]
    assert Review.objects.filter(document=plan).count() == 2
    assert Review.objects.get(document=plan, status=Review.Status.OPEN).version == version
    plan = services.document_approve(actor=head, document=plan)
    assert plan.status == S.APPROVED


@pytest.mark.parametrize("reviewer", ["head_math", "vice", "principal"])
def test_who_may_review_a_math_plan(demo, store, reviewer):
    plan = store.lesson_plan()
    assert services.document_approve(actor=demo.user(reviewer), document=plan).status == S.APPROVED


@pytest.mark.parametrize(("reviewer", "error"), [
    ("gv_van2", Http404),       # head of another department: the plan does not exist for them
    ("gv_tin", Http404),        # a colleague of the same department
    ("board", Http404),
    ("clerk", Http404),
    ("teacher_math", PermissionDenied),  # the owner: self-review
])
def test_who_may_not_review_a_math_plan(demo, store, reviewer, error):
    plan = store.lesson_plan()
    with pytest.raises(error):
        services.document_approve(actor=demo.user(reviewer), document=plan)
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED


def test_a_head_cannot_approve_their_own_plan_but_the_vice_principal_can(demo, store):
    plan = store.lesson_plan("head_math", grade=8)
    with pytest.raises(PermissionDenied):
        services.document_approve(actor=demo.user("head_math"), document=plan)
    assert services.document_approve(actor=demo.user("vice"), document=plan).status == S.APPROVED


@pytest.mark.parametrize(("setup", "action"), [
    ("draft", "approve"),
    ("draft", "return"),
    ("approved", "approve"),
    ("approved", "return"),
    ("approved", "submit"),
    ("returned", "approve"),
    ("submitted", "submit"),
])
def test_forbidden_transitions_are_refused_and_change_nothing(demo, store, setup, action):
    head, teacher = demo.user("head_math"), demo.user("teacher_math")
    plan = store.lesson_plan(submit=setup != "draft")
    if setup == "approved":
        plan = services.document_approve(actor=head, document=plan)
    elif setup == "returned":
        plan = services.document_return(actor=head, document=plan, comment="Sửa lại")
    log_before = plan.transitions.count()
    call = {
        "approve": lambda: services.document_approve(actor=head, document=plan),
        "return": lambda: services.document_return(actor=head, document=plan, comment="x"),
        "submit": lambda: services.document_submit(actor=teacher, document=plan),
    }[action]
    with pytest.raises(services.InvalidTransition):
        call()
    plan.refresh_from_db()
    assert plan.status == setup
    assert plan.transitions.count() == log_before


def test_an_approved_document_is_immutable(demo, store):
    plan = services.document_approve(actor=demo.user("head_math"), document=store.lesson_plan())
    with pytest.raises(services.InvalidTransition):
        services.document_upload(actor=demo.user("teacher_math"), document=plan, content=pdf_upload(),
                                 filename="x.pdf")
    assert plan.versions.count() == 1


def test_no_new_version_while_waiting_for_review(demo, store):
    plan = store.lesson_plan()
    with pytest.raises(services.InvalidTransition):
        services.document_upload(actor=demo.user("teacher_math"), document=plan, content=pdf_upload(),
                                 filename="x.pdf")


def test_only_the_owner_uploads_versions(demo, store):
    plan = store.lesson_plan(submit=False)
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=demo.user("head_math"), document=plan, content=pdf_upload(),
                                 filename="x.pdf")
    with pytest.raises(Http404):
        services.document_upload(actor=demo.user("gv_van2"), document=plan, content=pdf_upload(),
                                 filename="x.pdf")


def test_one_open_review_per_document_is_a_database_constraint(demo, store):
    plan = store.lesson_plan()
    open_review = Review.objects.get(document=plan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(document=plan, version=open_review.version, submitted_by=open_review.submitted_by,
                              submitted_at=open_review.submitted_at)


def test_closed_reviews_do_not_block_a_new_open_one(demo, store):
    plan = store.lesson_plan()
    services.document_return(actor=demo.user("head_math"), document=plan, comment="Sửa")
    Review.objects.create(document=plan, version=plan.current_version, submitted_by=demo.user("teacher_math"),
                          submitted_at=plan.updated_at)
    assert Review.objects.filter(document=plan).count() == 2


def test_a_kind_without_review_is_filed_and_cannot_be_submitted(demo, store):
    teacher = demo.user("teacher_math")
    doc = services.document_create(actor=teacher, kind=store.kinds["class_observation"],
                                   content=pdf_upload("Phiếu dự giờ 6A1.pdf"), filename="Phiếu dự giờ 6A1.pdf")
    assert doc.status == S.FILED
    assert doc.title == "Phiếu dự giờ 6A1"
    with pytest.raises(services.InvalidTransition):
        services.document_submit(actor=teacher, document=doc)
    version = services.document_upload(actor=teacher, document=doc, content=pdf_upload("b.pdf"), filename="b.pdf")
    assert version.number == 2


def test_versions_and_documents_are_never_deleted(demo, store):
    from django.db.models import ProtectedError

    plan = store.lesson_plan()
    with pytest.raises(ProtectedError):
        plan.current_version.delete()
    with pytest.raises(ProtectedError):
        plan.delete()
    with pytest.raises(ProtectedError):
        Transition.objects.filter(document=plan).first().delete()


def test_allowed_actions_reflect_the_state_machine_and_the_policy(demo, store):
    plan = store.lesson_plan(submit=False)
    teacher, head = demo.user("teacher_math"), demo.user("head_math")
    assert services.allowed_actions(teacher, plan) == {"upload", "submit"}
    assert services.allowed_actions(head, plan) == set()
    plan = services.document_submit(actor=teacher, document=plan)
    assert services.allowed_actions(teacher, plan) == set()
    assert services.allowed_actions(head, plan) == {"approve", "return"}
    plan = services.document_approve(actor=head, document=plan)
    assert services.allowed_actions(teacher, plan) == set()
    assert services.allowed_actions(head, plan) == set()
