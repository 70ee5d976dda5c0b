"""Who decides correction requests (the principal, or a vice principal the principal delegates), the board member
present, the minutes' number, place and date, and the principal's score change rules page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from gradebook import policy
from gradebook.corrections import delegation, selectors
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput, InvalidTransition
from gradebook.models import CorrectionRequest, DecisionDelegation, EntrySettings, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

TX = Score.Kind.REGULAR
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english():
    """The services' messages read in English; the pages are tested in Vietnamese."""
    from django.utils import translation

    with translation.override("en"):
        yield


def term(demo):
    return demo.year.terms.get(number=1)


def studying(demo, count=3):
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk")[:count])


def requests_for(demo, count=1, *, username="teacher_math") -> list[CorrectionRequest]:
    """``count`` pending requests of ``username`` on 6A1 Toán ĐĐGtx1 (6 → 8), one student each."""
    math, enrolments = demo.assignment("6A1", "toan"), studying(demo, count)
    teacher = demo.user(username)
    scores_save(actor=teacher, assignment=math, term=term(demo), cells=[CellInput(e.pk, TX, 1, "6") for e in enrolments])
    locks.column_lock(actor=teacher, assignment=math, term=term(demo), kind=TX, index=1)
    return [corrections.correction_submit(
        actor=teacher, assignment=math, term=term(demo), changes=[ChangeInput(enrolment.pk, TX, 1, "8")],
        reason="Typed 6 instead of 8", files=[SimpleUploadedFile("bai-kiem-tra.pdf", PDF, "application/pdf")])
        for enrolment in enrolments]


def grant(demo, *, starts_on=None, ends_on=None, delegate="vice"):
    return delegation.delegation_grant(actor=demo.user("principal"), year=demo.year, delegate=demo.user(delegate),
                                       starts_on=starts_on or demo.year.start_date, ends_on=ends_on,
                                       note="Hiệu trưởng đi công tác")


def fresh(username: str, demo):
    """A new user object: the roles and delegations a request caches on it are read again."""
    return demo.user(username)


def score_of(request: CorrectionRequest) -> Decimal:
    change = request.changes.get()
    return Score.objects.get(enrolment_id=change.enrolment_id, subject_id=request.subject_id, term_id=request.term_id,
                             kind=change.kind, index=change.index).value


# --- who decides ---------------------------------------------------------------------------------------


def test_a_delegated_vice_principal_decides_and_is_recorded_as_the_decider(demo, english):
    [request] = requests_for(demo)
    grant(demo)
    vice = fresh("vice", demo)
    assert policy.may_decide(vice, selectors.request_for(actor=vice, pk=request.pk))
    corrections.correction_approve(actor=vice, request=request, note="Đã xem bài", witness=demo.user("board"))
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.witness) == ("approved", demo.user("vice"),
                                                                      demo.user("board"))
    assert score_of(request) == 8
    minutes = selectors.minutes_data(request.pk)
    assert (minutes.decider, minutes.delegated_by, minutes.delegation_from) == (
        "Trần Thị Hương", "Nguyễn Văn Thành", demo.year.start_date)


def test_a_vice_principal_without_a_delegation_is_refused_and_nothing_changes(demo, english):
    [request] = requests_for(demo)
    for decide in (corrections.correction_approve, corrections.correction_reject, corrections.correction_ask_info):
        with pytest.raises(PermissionDenied, match="a vice principal the principal has delegated"):
            decide(actor=fresh("vice", demo), request=request, note="x", **(
                {"witness": demo.user("board")} if decide is corrections.correction_approve else {}))
    request.refresh_from_db()
    assert (request.status, request.decided_by, score_of(request)) == ("pending", None, 6)


def test_a_delegation_of_another_year_does_not_reach_this_years_requests(demo, english):
    [request] = requests_for(demo)
    system = setup.system_user()
    later = setup.school_year_create(
        actor=system, school=demo.school, name=f"{DEMO_YEAR.next.name}", start_date=DEMO_YEAR.next.on(9, 5),
        end_date=DEMO_YEAR.next.on(5, 31),
        term_dates=((DEMO_YEAR.next.on(9, 5), DEMO_YEAR.next.on(1, 10)),
                    (DEMO_YEAR.next.on(1, 12), DEMO_YEAR.next.on(5, 25))))
    delegation.delegation_grant(actor=demo.user("principal"), year=later, delegate=demo.user("vice"),
                                starts_on=later.start_date)
    with pytest.raises(PermissionDenied):
        corrections.correction_approve(actor=fresh("vice", demo), request=request, witness=demo.user("board"))


def test_a_delegate_whose_delegation_ended_hears_when_and_changes_nothing(demo, english):
    [request] = requests_for(demo)
    start = demo.year.start_date
    grant(demo, starts_on=start, ends_on=start)  # one day, long past
    with pytest.raises(PermissionDenied, match=f"ended on {start:%d/%m/%Y}"):
        corrections.correction_approve(actor=fresh("vice", demo), request=request, witness=demo.user("board"))
    request.refresh_from_db()
    assert (request.status, score_of(request)) == ("pending", 6)


def test_a_revoked_delegation_is_refused_with_its_message(demo, english):
    [request] = requests_for(demo)
    given = grant(demo)
    delegation.delegation_revoke(actor=demo.user("principal"), delegation=given, reason="Hiệu trưởng đã về")
    given.refresh_from_db()
    assert given.history.first().history_change_reason == "Hiệu trưởng đã về"
    with pytest.raises(PermissionDenied, match="revoked your delegation"):
        corrections.correction_reject(actor=fresh("vice", demo), request=request, note="Thiếu minh chứng")
    assert CorrectionRequest.objects.get(pk=request.pk).status == "pending"


def test_nobody_decides_their_own_request_not_even_a_delegate(demo, english):
    # The vice principal also teaches 6A1 Toán here, and files a request of their own.
    assign_perm("schoolrecords.teach_assignment", demo.user("vice"), demo.assignment("6A1", "toan"))
    grant(demo)
    [request] = requests_for(demo, username="vice")
    with pytest.raises(PermissionDenied, match="your own correction request"):
        corrections.correction_approve(actor=fresh("vice", demo), request=request, witness=demo.user("board"))
    assert not policy.may_decide(fresh("vice", demo), selectors.request_for(actor=demo.user("vice"), pk=request.pk))
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    assert CorrectionRequest.objects.get(pk=request.pk).decided_by == demo.user("principal")


# --- the board member present and the minutes ------------------------------------------------------------


@pytest.mark.parametrize("witness, message", [
    (None, "Choose the admin board member present"),
    ("vice", "Choose a member of the admin board"),
    ("teacher_math", "Choose a member of the admin board"),
])
def test_approval_without_a_board_member_present_is_refused_at_the_witness_field_and_changes_nothing(
        demo, english, witness, message):
    [request] = requests_for(demo)
    with pytest.raises(ValidationError) as refused:
        corrections.correction_approve(actor=demo.user("principal"), request=request,
                                       witness=demo.user(witness) if witness else None)
    assert list(refused.value.message_dict) == ["witness"]
    assert message in refused.value.message_dict["witness"][0]
    request.refresh_from_db()
    assert (request.status, request.minutes_number, request.witness, score_of(request)) == ("pending", None, None, 6)


def test_minutes_numbers_run_1_2_3_per_school_year_with_place_and_date(demo, english, other_school):
    first, second, third = requests_for(demo, 3)
    principal, board = demo.user("principal"), demo.user("board")
    corrections.correction_approve(actor=principal, request=first, witness=board)
    corrections.correction_reject(actor=principal, request=second, note="Không có bài kiểm tra")  # no minutes
    corrections.correction_approve(actor=principal, request=third, witness=board, place="Phòng họp Hội đồng")
    numbers = dict(CorrectionRequest.objects.values_list("pk", "minutes_number"))
    assert (numbers[first.pk], numbers[second.pk], numbers[third.pk]) == (1, None, 2)
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.minutes_place == f"{demo.school.name}, {demo.school.address}"[:120]
    assert third.minutes_place == "Phòng họp Hội đồng"
    assert first.minutes_date == timezone.localdate()

    # The other school's year keeps its own count.
    system = setup.system_user()
    other = other_school
    witness = setup.staff_create(actor=system, school=other["school"], username="other_board", full_name="Bàn Khác",
                                 password="another-pass-2026", role_names=["admin_board"]).user
    foreign_term = other["year"].terms.get(number=1)
    scores_save(actor=other["teacher"], assignment=other["assignment"], term=foreign_term,
                cells=[CellInput(other["enrolment"].pk, TX, 1, "5")])
    locks.column_lock(actor=other["teacher"], assignment=other["assignment"], term=foreign_term, kind=TX, index=1)
    theirs = corrections.correction_submit(
        actor=other["teacher"], assignment=other["assignment"], term=foreign_term,
        changes=[ChangeInput(other["enrolment"].pk, TX, 1, "7")], reason="Cộng nhầm",
        files=[SimpleUploadedFile("bai.pdf", PDF, "application/pdf")])
    assert corrections.correction_approve(actor=system, request=theirs, witness=witness).minutes_number == 1


def test_a_decision_on_a_request_already_decided_is_refused_and_keeps_its_minutes(demo, english):
    [request] = requests_for(demo)
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    with pytest.raises(InvalidTransition):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    request.refresh_from_db()
    assert request.minutes_number == 1 and CorrectionRequest.objects.filter(minutes_number__isnull=False).count() == 1


# --- delegations ---------------------------------------------------------------------------------------


def test_only_a_vice_principal_of_the_school_inside_the_year_without_overlap_is_delegated(demo, english):
    year = demo.year
    principal = demo.user("principal")

    def refused(**kwargs) -> dict:
        fields = {"actor": principal, "year": year, "delegate": demo.user("vice"), "starts_on": year.start_date}
        with pytest.raises(ValidationError) as error:
            delegation.delegation_grant(**(fields | kwargs))
        return error.value.message_dict

    assert "delegate" in refused(delegate=demo.user("board"))
    assert "starts_on" in refused(starts_on=year.start_date - datetime.timedelta(days=1))
    assert "ends_on" in refused(ends_on=year.end_date + datetime.timedelta(days=1))
    assert "ends_on" in refused(starts_on=DEMO_YEAR.on(10, 1), ends_on=DEMO_YEAR.on(9, 30))
    assert not DecisionDelegation.objects.exists()
    grant(demo, starts_on=DEMO_YEAR.on(10, 1), ends_on=DEMO_YEAR.on(12, 31))
    assert "already has a delegation" in refused(starts_on=DEMO_YEAR.on(12, 1))["starts_on"][0]
    grant(demo, starts_on=DEMO_YEAR.on(1, 1))  # the next days: no overlap
    assert DecisionDelegation.objects.count() == 2


@pytest.mark.parametrize("username", ["vice", "board", "teacher_math"])
def test_only_the_principal_grants_or_revokes(demo, username):
    with pytest.raises(PermissionDenied):
        delegation.delegation_grant(actor=demo.user(username), year=demo.year, delegate=demo.user("vice"),
                                    starts_on=demo.year.start_date)
    given = grant(demo)
    with pytest.raises(PermissionDenied):
        delegation.delegation_revoke(actor=demo.user(username), delegation=given, reason="x")
    assert DecisionDelegation.objects.get().revoked_at is None


def test_the_principal_grants_and_revokes_on_the_delegation_page(demo, login):
    client = login("principal")
    url = reverse("gradebook:delegations")
    bad = client.post(url, {"delegate": demo.user("board").pk, "starts_on": f"01/10/{DEMO_YEAR.first}"})
    assert bad.status_code == 400 and "delegate" in bad.context["form"].errors
    assert not DecisionDelegation.objects.exists()
    outside = client.post(url, {"delegate": demo.user("vice").pk, "starts_on": f"01/10/{DEMO_YEAR.first - 1}"})
    assert outside.status_code == 400 and "starts_on" in outside.context["form"].errors
    done = client.post(url, {"delegate": demo.user("vice").pk, "starts_on": f"01/10/{DEMO_YEAR.first}", "ends_on": "",
                             "note": "Đi công tác"})
    assert done.status_code == 302
    given = DecisionDelegation.objects.get()
    assert (given.delegate, given.starts_on, given.ends_on, given.granted_by) == (
        demo.user("vice"), DEMO_YEAR.on(10, 1), None, demo.user("principal"))
    page = client.get(url).content.decode()
    assert "Trần Thị Hương" in page and f"01/10/{DEMO_YEAR.first}" in page
    revoke = reverse("gradebook:delegation_revoke", args=(given.pk,))
    client.post(revoke, {"reason": "   "})
    assert DecisionDelegation.objects.get().revoked_at is None
    client.post(revoke, {"reason": "Hiệu trưởng đã về trường"})
    given.refresh_from_db()
    assert given.revoked_by == demo.user("principal")
    assert given.history.first().history_change_reason == "Hiệu trưởng đã về trường"


def test_a_teacher_cannot_open_or_use_the_delegation_page(demo, login):
    teacher = login("teacher_math")
    assert teacher.get(reverse("gradebook:delegations")).status_code == 403
    assert teacher.post(reverse("gradebook:delegations"), {"delegate": demo.user("vice").pk,
                                                           "starts_on": f"01/10/{DEMO_YEAR.first}"}).status_code == 403
    vice = login("vice")
    assert vice.get(reverse("gradebook:delegations")).status_code == 200
    assert vice.post(reverse("gradebook:delegations"), {"delegate": demo.user("vice").pk,
                                                        "starts_on": f"01/10/{DEMO_YEAR.first}"}).status_code == 403
    assert not DecisionDelegation.objects.exists()


def test_the_delegation_list_costs_the_same_queries_for_one_delegation_or_three(demo, login):
    system = setup.system_user()
    for number in (2, 3):
        setup.staff_create(actor=system, school=demo.school, username=f"vice{number}", full_name=f"Phó Hiệu {number}",
                           password="vice-pass-2026", role_names=["vice_principal"])
    grant(demo)
    client = login("principal")
    url = reverse("gradebook:delegations")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    grant(demo, delegate="vice2")
    grant(demo, delegate="vice3", ends_on=DEMO_YEAR.on(1, 31))
    with CaptureQueriesContext(connection) as three:
        page = client.get(url)
    assert len(three) == len(one)
    assert page.content.decode().count("/revoke/") == 3


# --- the pages: the queue, the decision form, the home card ----------------------------------------------


def test_a_delegated_vice_principal_sees_the_queue_and_the_decision_form(demo, login):
    [request] = requests_for(demo)
    vice = login("vice")
    detail = reverse("gradebook:correction", args=(request.pk,))
    assert 'id="decide"' not in vice.get(detail).content.decode()
    assert selectors.home_summary(fresh("vice", demo)).waiting == 0
    grant(demo)
    assert 'id="decide"' in vice.get(detail).content.decode()
    assert "chờ thầy/cô quyết định" in vice.get(reverse("gradebook:corrections")).content.decode()
    summary = selectors.home_summary(fresh("vice", demo))
    assert (summary.decides, summary.waiting) == (True, 1)
    assert 'id="home-corrections-waiting"' in vice.get(reverse("home")).content.decode()


def test_approving_on_the_page_without_a_witness_shows_it_at_the_field_and_changes_nothing(demo, login):
    [request] = requests_for(demo)
    client = login("principal")
    url = reverse("gradebook:correction", args=(request.pk,))
    page = client.post(url, {"action": "approve", "note": "Đồng ý", "witness": ""})
    assert page.status_code == 200
    assert "witness" in page.context["form"].errors
    assert "Ban quản trị" in page.context["form"].errors["witness"][0]
    request.refresh_from_db()
    assert (request.status, request.minutes_number, score_of(request)) == ("pending", None, 6)
    done = client.post(url, {"action": "approve", "note": "Đồng ý", "witness": demo.user("board").pk,
                             "place": "Văn phòng nhà trường"})
    assert done.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.minutes_number, request.minutes_place) == ("approved", 1, "Văn phòng nhà trường")
    shown = client.get(url).content.decode()
    assert 'id="request-minutes"' in shown and reverse("archive:correction_minutes", args=(request.pk,)) in shown


def test_a_delegate_whose_delegation_ended_posting_a_decision_sees_why_and_nothing_changes(demo, login):
    [request] = requests_for(demo)
    given = grant(demo)
    client = login("vice")
    url = reverse("gradebook:correction", args=(request.pk,))
    assert 'id="decide"' in client.get(url).content.decode()
    delegation.delegation_revoke(actor=demo.user("principal"), delegation=given, reason="Đã về")
    page = client.post(url, {"action": "approve", "witness": demo.user("board").pk})
    assert page.status_code == 403
    assert "thu hồi" in page.content.decode() and 'id="request-error"' in page.content.decode()
    request.refresh_from_db()
    assert (request.status, score_of(request)) == ("pending", 6)


def test_a_second_decision_on_the_page_says_it_was_already_decided(demo, login):
    [request] = requests_for(demo)
    client = login("principal")
    url = reverse("gradebook:correction", args=(request.pk,))
    client.post(url, {"action": "approve", "witness": demo.user("board").pk})
    again = client.post(url, {"action": "reject", "note": "Không đồng ý"})
    assert again.status_code == 200 and 'id="request-error"' in again.content.decode()
    assert again.context["form"].non_field_errors()
    assert CorrectionRequest.objects.get(pk=request.pk).status == "approved"


def test_the_principals_home_card_links_to_the_delegations_and_the_rules(demo, login):
    home = login("principal").get(reverse("home")).content.decode()
    assert reverse("gradebook:delegations") in home and reverse("gradebook:entry_settings") in home
    teacher_home = login("teacher_math").get(reverse("home")).content.decode()
    assert reverse("gradebook:delegations") not in teacher_home


# --- the score change rules ---------------------------------------------------------------------------


def test_the_principal_saves_the_score_change_rules_with_a_reason_in_the_history(demo, login):
    client = login("principal")
    url = reverse("gradebook:entry_settings")
    assert client.get(url).status_code == 200
    assert not EntrySettings.objects.exists()
    done = client.post(url, {"regular_deadline": "each", "test_correction_days": "7", "reason": "Theo công văn 003"})
    assert done.status_code == 302
    saved = EntrySettings.for_school(demo.school.pk)
    assert (saved.regular_deadline, saved.reentry_needs_approval, saved.test_correction_days, saved.updated_by) == (
        "each", False, 7, demo.user("principal"))
    assert saved.history.first().history_change_reason == "Theo công văn 003"
    page = client.get(url).content.decode()
    assert "Theo công văn 003" in page
    # The same values again: nothing new in the history.
    client.post(url, {"regular_deadline": "each", "test_correction_days": "7", "reason": "Lưu lại"})
    assert saved.history.count() == 1


@pytest.mark.parametrize("data, field", [
    ({"regular_deadline": "weekly", "test_correction_days": "5", "reason": "r"}, "regular_deadline"),
    ({"regular_deadline": "final", "test_correction_days": "0", "reason": "r"}, "test_correction_days"),
    ({"regular_deadline": "final", "test_correction_days": "61", "reason": "r"}, "test_correction_days"),
    ({"regular_deadline": "final", "test_correction_days": "năm", "reason": "r"}, "test_correction_days"),
    ({"regular_deadline": "final", "test_correction_days": "5", "reason": "   "}, "reason"),
])
def test_bad_score_change_rules_are_refused_at_their_field_and_nothing_is_saved(demo, login, data, field):
    page = login("principal").post(reverse("gradebook:entry_settings"), data)
    assert page.status_code == 400 and list(page.context["form"].errors) == [field]
    assert 'class="field invalid"' in page.content.decode()
    assert not EntrySettings.objects.exists()


def test_the_service_refuses_bad_rules_too(demo, english):
    with pytest.raises(ValidationError) as error:
        locks.entry_settings_save(actor=demo.user("principal"), school=demo.school, regular_deadline="final",
                                  reentry_needs_approval=True, test_correction_days=100, reason="")
    assert set(error.value.message_dict) == {"test_correction_days", "reason"}


@pytest.mark.parametrize("username, get, post", [("board", 200, 403), ("vice", 200, 403), ("teacher_math", 403, 403)])
def test_only_the_principal_changes_the_score_change_rules(demo, login, username, get, post):
    client = login(username)
    url = reverse("gradebook:entry_settings")
    assert client.get(url).status_code == get
    assert client.post(url, {"regular_deadline": "each", "test_correction_days": "7", "reason": "r"}).status_code == post
    assert not EntrySettings.objects.exists()
    with pytest.raises(PermissionDenied):
        locks.entry_settings_save(actor=demo.user(username), school=demo.school, regular_deadline="each",
                                  reentry_needs_approval=False, test_correction_days=7, reason="r")


def test_the_windows_and_deadlines_pages_link_to_the_rules(demo, login):
    client = login("principal")
    for name in ("gradebook:windows", "gradebook:deadlines"):
        assert reverse("gradebook:entry_settings") in client.get(reverse(name)).content.decode()
