"""A correction of an approved class's results withdraws the approval it changes; the principal approves again,
shown what changed since."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from gradebook import signals
from gradebook.corrections.services import correction_approve
from gradebook.models import CorrectionChange, CorrectionRequest, ResultApproval, Score
from gradebook.results import selectors
from gradebook.results.compute import YEAR
from gradebook.results.services import approval_reopen, results_approve

from .test_results import complete_year, studying, term
from .test_results_services import approve, complete_term

pytestmark = pytest.mark.django_db


def approved_correction(score: Score, new_value: str, *, requester, decider, witness,
                        reason: str = "Cộng nhầm điểm bài kiểm tra") -> CorrectionRequest:
    """A correction request of one score cell, filed as its rows and approved through the service."""
    request = CorrectionRequest.objects.create(school_class=score.enrolment.school_class, subject=score.subject,
                                               term=score.term, requested_by=requester, reason=reason)
    CorrectionChange.objects.create(request=request, enrolment=score.enrolment, kind=score.kind, index=score.index,
                                    score=score, old_value=score.value, old_comment_passed=score.comment_passed,
                                    new_value=Decimal(new_value))
    return correction_approve(actor=decider, request=request, witness=witness)


def final_score(demo, number: int) -> Score:
    """The end-of-term Toán score of the first student of 6A1 in term ``number``."""
    return Score.objects.select_related("enrolment__school_class", "subject", "term").get(
        enrolment=studying(demo)[0], subject=demo.subject("toan"), term=term(demo, number), kind="ck")


def correct(demo, number: int, new_value: str = "9") -> CorrectionRequest:
    return approved_correction(final_score(demo, number), new_value, requester=demo.user("teacher_math"),
                               decider=demo.user("principal"), witness=demo.user("board"))


def approved_periods(demo) -> set[int]:
    return {number or YEAR for number in ResultApproval.objects.filter(school_class=demo.school_class("6A1"))
            .values_list("term__number", flat=True)}


@pytest.fixture
def reopened(demo):
    """Every results_reopened sent, with its arguments."""
    heard = []

    def hear(sender, **kwargs):
        heard.append(kwargs)

    signals.results_reopened.connect(hear)
    yield heard
    signals.results_reopened.disconnect(hear)


def test_a_correction_of_an_approved_term_withdraws_the_approval_and_its_history_names_the_request(
        demo, reopened, django_capture_on_commit_callbacks):
    complete_term(demo, 1)
    approval = approve(demo, 1)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        request = correct(demo, 1)

    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()
    assert final_score(demo, 1).value == Decimal("9")
    withdrawn = ResultApproval.history.get(history_type="-")
    assert (withdrawn.id, withdrawn.approved_by, withdrawn.history_user) == (
        approval.pk, demo.user("principal"), demo.user("principal"))
    assert withdrawn.history_change_reason == f"Approval withdrawn: Correction request no. {request.pk} approved"
    assert ResultApproval.history.filter(history_type="+", id=approval.pk).exists()  # the approval that was
    term1 = term(demo, 1)
    assert reopened == [{"signal": signals.results_reopened, "school_class_id": demo.school_class("6A1").pk,
                         "term_id": term1.pk, "approval_ids": [approval.pk], "actor_id": demo.user("principal").pk,
                         "reason": withdrawn.history_change_reason}]


def test_a_correction_of_a_class_with_nothing_approved_reopens_nothing(demo, reopened,
                                                                       django_capture_on_commit_callbacks):
    complete_term(demo, 1)
    with django_capture_on_commit_callbacks(execute=True):
        correct(demo, 1)
    assert not ResultApproval.history.filter(history_type="-").exists()
    assert reopened == []


def test_a_correction_of_term_one_leaves_the_approval_of_term_two(demo, reopened, django_capture_on_commit_callbacks):
    complete_year(demo)
    approve(demo, 2)
    with django_capture_on_commit_callbacks(execute=True):
        correct(demo, 1)
    assert approved_periods(demo) == {2}
    assert reopened == []


def test_a_term_correction_withdraws_the_year_approval_too(demo, reopened, django_capture_on_commit_callbacks):
    complete_year(demo)
    for number in (1, 2, YEAR):
        approve(demo, number)
    with django_capture_on_commit_callbacks(execute=True):
        request = correct(demo, 1)

    assert approved_periods(demo) == {2}
    assert ResultApproval.history.filter(history_type="-").count() == 2
    assert all(str(request.pk) in row.history_change_reason
               for row in ResultApproval.history.filter(history_type="-"))
    [heard] = reopened
    assert (heard["term_id"], len(heard["approval_ids"])) == (term(demo, 1).pk, 2)


def test_a_year_only_approval_is_withdrawn_by_a_correction_of_either_term(demo):
    complete_year(demo)
    approve(demo, YEAR)
    correct(demo, 2)
    assert approved_periods(demo) == set()


def test_a_year_only_change_withdraws_the_year_approval_and_leaves_the_terms(demo):
    complete_year(demo)
    for number in (1, 2, YEAR):
        approve(demo, number)
    ids = approval_reopen(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=None,
                          reason="Kết quả kiểm tra lại được sửa")
    assert len(ids) == 1 and approved_periods(demo) == {1, 2}


@pytest.mark.parametrize("username", ["vice", "homeroom_6a1", "board", "teacher_math"])
def test_only_the_leadership_withdraws_an_approval(demo, username):
    complete_term(demo, 1)
    approve(demo, 1)
    with pytest.raises(PermissionDenied):
        approval_reopen(actor=demo.user(username), school_class=demo.school_class("6A1"), term=term(demo, 1),
                        reason="x")
    assert approved_periods(demo) == {1}


def test_the_results_page_shows_the_changed_values_and_the_principal_approves_again(demo, login):
    complete_term(demo, 1)
    approve(demo, 1)
    request = correct(demo, 1, "9.5")
    url = reverse("gradebook:results", args=[demo.school_class("6A1").pk, 1])

    client = login("principal")
    html = client.get(url).content.decode()
    section = html[html.index('id="reopened"'):html.index('id="results"')]
    assert "Đã thu hồi phê duyệt" in section and "Nguyễn Văn Thành" in section
    row = section[section.index(studying(demo)[0].student.full_name):]
    row = row[:row.index("</tr>")]
    assert "<td>Toán</td><td>Học kì I</td><td>ĐĐGck</td>" in row  # the column as the grid heads it
    assert '<td class="c">7</td><td class="c"><strong>9,5</strong></td>' in row  # old → new
    assert f"số {request.pk}" in row

    response = client.post(reverse("gradebook:results_approve", args=[demo.school_class("6A1").pk, 1]),
                           {"note": "Đã xem lại điểm sửa"})
    assert response.status_code == 302 and approved_periods(demo) == {1}
    assert 'id="reopened"' not in client.get(url).content.decode()


def test_what_changed_since_the_last_approval_is_read_in_two_queries(demo, django_assert_num_queries):
    complete_term(demo, 1)
    approve(demo, 1)
    first = correct(demo, 1, "9")
    results_approve(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=term(demo, 1))
    second = correct(demo, 1, "8")
    school_class = demo.school_class("6A1")

    with django_assert_num_queries(2):
        found = selectors.reopened_approval(school_class, 1)
    assert [(change.request_number, change.old, change.new) for change in found.changes] == [
        (second.pk, "9", "8")]  # only what changed since the latest approval
    assert first.pk != second.pk
    assert selectors.reopened_approval(school_class, 2) is None
