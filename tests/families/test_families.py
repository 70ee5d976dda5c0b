"""Parents' accounts from invitations, links to children, publication and what parents see (issue 18)."""

import contextlib
import datetime
import email
import email.policy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from families import services
from families.models import Guardianship, Invitation, Parent, Publication, SlipConfirmation, SlipIssue
from gradebook.models import Score, format_result
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from schoolrecords.services import record
from seed import termwork
from seed.demo import DEMO_PASSWORD, REASON, SUBJECTS, demo_year
from seed.families import build_demo_family

PASSWORD = "bo-me-an-2026"


@pytest.fixture(autouse=True)
def english():
    """The services' messages read in English here, whatever an earlier test left active (pages set their own)."""
    with translation.override("en"):
        yield


def first_student(demo, class_name="6A1"):
    return (sm.Enrolment.objects.filter(school_class=demo.school_class(class_name))
            .select_related("student").order_by("student__code").first().student)


@contextlib.contextmanager
def noting_retries(task):
    """The task's retries, noted (the exception each was asked with) and raised at once instead of waiting."""
    retried = []
    original = task.retry

    def note_retry(*args, **kwargs):
        retried.append(kwargs.get("exc"))
        raise kwargs.get("exc") or OSError("down")

    task.retry = note_retry
    try:
        yield retried
    finally:
        task.retry = original


def make_account(code, phone="0912345678", email_address="", name="Lê Thị Hạnh"):
    return services.account_create(code=code, full_name=name, phone=phone, email=email_address, password=PASSWORD,
                                   relation="mother")


def test_homeroom_invites_and_the_parent_makes_an_account_linked_to_the_child(demo):
    student = first_student(demo)
    invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=student)
    assert len(code) == 11 and code[5] == "-" and invitation.code_hash != code  # only the hash is kept
    parent = make_account(code.lower().replace("-", " "))  # typed as people type it
    assert parent.user.username == "0912345678"
    assert list(parent.links.values_list("student_id", flat=True)) == [student.pk]
    invitation.refresh_from_db()
    assert invitation.used_by == parent and invitation.history.count() == 2
    assert parent.history.get().history_user == parent.user


@pytest.mark.parametrize("phone", ["0912 345 678", "+84 912 345 678", "0912.345.678"])
def test_a_parent_logs_in_with_the_phone_as_they_write_it_or_the_email(demo, phone):
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))
    make_account(code, email_address="hanh@nha.test")
    for login in (phone, "HANH@nha.test"):
        client = Client()
        response = client.post(reverse("login"), {"username": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert client.get(reverse("home")).url == reverse("families:home")


def test_every_spelling_of_a_parents_phone_or_email_counts_against_one_lockout(demo, settings):
    """Five wrong passwords typed with five spellings of one phone (and the e-mail in two cases) lock the account:
    the spellings are one login name for the failure counts, as they are one account for the log-in."""
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 5
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))
    make_account(code, email_address="hanh@nha.test")
    client = Client()
    answers = [client.post(reverse("login"), {"username": login, "password": "sai-mat-khau"},
                           REMOTE_ADDR="198.51.100.20").status_code
               for login in ("0912 345 678", "+84 912 345 678", "0912.345.678", "84912345678", "0912-345-678")]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks, whatever the spelling
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"0912345678"}

    locked = client.post(reverse("login"), {"username": "0912345678", "password": PASSWORD},
                         REMOTE_ADDR="198.51.100.20")
    assert locked.status_code == 429  # the right password, with yet another spelling: still locked
    for login in ("HANH@nha.test", "hanh@NHA.test"):
        client.post(reverse("login"), {"username": login, "password": "sai"}, REMOTE_ADDR="198.51.100.21")
    assert AccessAttempt.objects.get(ip_address="198.51.100.21").username == "hanh@nha.test"
    assert AccessAttempt.objects.get(ip_address="198.51.100.21").failures_since_start == 2


def test_a_wrong_used_replaced_or_expired_code_is_refused_at_the_field_and_nothing_saved(demo):
    homeroom, student = demo.user("homeroom_6a1"), first_student(demo)
    before = Parent.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_account("AAAAA-BBBBB")
    assert list(caught.value.message_dict) == ["code"]
    _old, old_code = services.invitation_issue(actor=homeroom, student=student)
    invitation, code = services.invitation_issue(actor=homeroom, student=student)
    with pytest.raises(ValidationError, match="newer"):
        make_account(old_code)
    make_account(code)
    with pytest.raises(ValidationError, match="already been used"):
        make_account(code, phone="0987000111")
    _expired, late = services.invitation_issue(actor=demo.user("board"), student=first_student(demo, "8A1"))
    _expired.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    record(_expired, actor=demo.user("board"), reason="test: expired", update_fields=["expires_at"])
    with pytest.raises(ValidationError, match="expired"):
        make_account(late, phone="0987000111")
    assert Parent.objects.count() == before + 1


def test_a_bad_phone_or_password_is_refused_at_its_field(demo):
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))
    with pytest.raises(ValidationError) as caught:
        make_account(code, phone="12345")
    assert list(caught.value.message_dict) == ["phone"]
    with pytest.raises(ValidationError) as caught:
        services.account_create(code=code, full_name="Lê Hạnh", phone="0912345678", email="", password="1234",
                                relation="mother")
    assert list(caught.value.message_dict) == ["password1"]
    assert not Parent.objects.filter(phone="0912345678").exists()
    assert Invitation.objects.get(code_hash=services.code_hash(code)).used_at is None


def test_a_second_child_in_another_class_joins_the_same_account(demo):
    parent = make_account(services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))[1])
    sibling = first_student(demo, "8A1")
    _invitation, code = services.invitation_issue(actor=demo.user("board"), student=sibling)
    services.child_add(actor=parent.user, code=code, relation="mother")
    assert set(parent.links.values_list("student_id", flat=True)) == {first_student(demo).pk, sibling.pk}
    with pytest.raises(ValidationError, match="already been used"):
        services.child_add(actor=parent.user, code=code, relation="mother")


def test_only_the_homeroom_teacher_or_the_board_invites(demo):
    student = first_student(demo)
    for username in ("teacher_math", "principal", "gv_gdcd"):
        with pytest.raises(PermissionDenied):
            services.invitation_issue(actor=demo.user(username), student=student)
    with pytest.raises(PermissionDenied):  # 8A1's homeroom teacher, not 6A1's
        services.invitation_issue(actor=demo.school_class("8A1").homeroom_teacher, student=student)
    assert not Invitation.objects.filter(student=student).exists()


def test_the_invitation_is_e_mailed_through_the_smtp_server(demo, smtp_server, eager_celery,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo),
                                                      email="hanh@nha.test")
    assert [m["to"] for m in smtp_server.messages] == [["hanh@nha.test"]]
    body = email.message_from_bytes(smtp_server.messages[0]["data"], policy=email.policy.default)
    assert code in body.get_content()


def test_the_invitation_email_is_retried_when_the_smtp_server_is_down(demo, settings, eager_celery,
                                                                      django_capture_on_commit_callbacks):
    from families import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    with noting_retries(tasks.send_invitation) as retried, pytest.raises(OSError), \
            django_capture_on_commit_callbacks(execute=True):
        services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo), email="hanh@nha.test")
    assert retried and isinstance(retried[0], OSError)
    assert Invitation.objects.filter(email="hanh@nha.test", used_at__isnull=True).exists()  # the code still stands


# --- publication and the parent's pages ----------------------------------------------------------

@pytest.fixture
def family(demo):
    parent = build_demo_family({"year": demo.year, "classes": {"6A1": demo.school_class("6A1")},
                                "users": {"principal": demo.user("principal"), "board": demo.user("board")}},
                               DEMO_PASSWORD)
    client = Client()
    client.force_login(parent.user)
    return parent, client


def test_the_demo_family_sees_its_child_with_term_one_published(demo, family):
    parent, client = family
    by_name = Client()  # the README's login: parent_6a1 / demo-2026 (or the phone)
    assert by_name.post(reverse("login"), {"username": "parent_6a1", "password": DEMO_PASSWORD}).status_code == 302
    assert by_name.get(reverse("home")).url == reverse("families:home")
    student = parent.links.get().student
    teacher, assignment = demo.user("teacher_math"), demo.assignment("6A1", "toan")
    enrolment = sm.Enrolment.objects.get(student=student, school_class__year=demo.year)
    term = demo.year.terms.get(number=1)
    assert scores_save(session="test-session", actor=teacher, assignment=assignment, term=term,
                       cells=[CellInput(enrolment.pk, "tx", 1, "8.5")]).ok
    home = client.get(reverse("families:home"))
    assert student.full_name in home.content.decode()
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert 'id="term-1"' in page and 'id="term-2"' not in page and "8,5" in page


def test_the_parent_reads_the_absences_by_month_and_the_homeroom_remark_of_a_published_term(demo, family):
    from gradebook.homeroom.services import HomeroomEntry, homeroom_save

    parent, client = family
    student = parent.links.get().student
    enrolment = sm.Enrolment.objects.get(student=student, school_class__year=demo.year)
    school_class = demo.school_class("6A1")
    october = (demo_year().first, 10)
    homeroom_save(actor=school_class.homeroom_teacher, school_class=school_class,
                  term=demo.year.terms.get(number=1), reason="Sổ chủ nhiệm",
                  entries=[HomeroomEntry(enrolment.pk, absences={october: (2, 1)}, remark="Ngoan, cần mạnh dạn hơn")])
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    term = page[page.index('id="term-1"'):]
    assert f"10/{october[0]}: P 2 · K 1" in term and "Ngoan, cần mạnh dạn hơn" in term


def test_the_demo_family_sees_this_years_scores_entered_so_far(demo, family):
    """What seed_demo enters of this year (seed.termwork) is what the parent reads on the published term I."""
    parent, client = family
    student = parent.links.get().student
    termwork.enter_so_far(year=demo.year, today=demo_year().on(12, 3), reason=REASON)
    entered = Score.objects.filter(enrolment__student=student, term__year=demo.year, term__number=1)
    assert entered.filter(kind="gk").exists() and not entered.filter(kind="ck").exists()
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert 'id="term-1"' in page
    for score in entered.filter(subject__code__in=("toan", "van")):
        assert format_result(score.value, score.comment_passed) in page


def test_the_parent_reads_the_subject_teachers_remarks_and_once_approved_the_years_results(demo, family):
    from gradebook.remarks.services import subject_remarks_save
    from gradebook.results.services import results_approve
    from tests.gradebook.test_results import complete_year

    parent, client = family
    student = parent.links.get().student
    enrolment = sm.Enrolment.objects.get(student=student, school_class__year=demo.year)
    subject_remarks_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                         term=demo.year.terms.get(number=1), texts={enrolment.pk: "Tiến bộ rõ, chăm chỉ"},
                         reason="Nhận xét cuối kì")
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert "Tiến bộ rõ, chăm chỉ" in page and 'id="year"' not in page

    scored = {code: "9" for code, _name, mode, *_rest in SUBJECTS if mode == "scores"}
    complete_year(demo, marks={enrolment.pk: scored})
    services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"),
                     term=demo.year.terms.get(number=2))
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert 'id="term-2"' in page and 'id="year"' not in page  # term II published, the year not yet approved

    results_approve(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=None)
    with translation.override("vi"):
        page = client.get(reverse("families:child", args=[student.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    year = page[page.index('id="year"'):]
    assert "Kết quả cả năm" in year and "Lên lớp" in year
    assert "Học sinh Xuất sắc" in year and "9,0" in year  # 9 in every scored subject, conduct Tốt: the top title


def test_a_withdrawn_term_is_hidden_again_and_stays_in_history(demo, family):
    parent, client = family
    student = parent.links.get().student
    publication = Publication.objects.get(school_class=demo.school_class("6A1"), withdrawn_at__isnull=True)
    with pytest.raises(ValidationError):
        services.withdraw(actor=demo.user("principal"), publication=publication, reason=" ")
    services.withdraw(actor=demo.user("principal"), publication=publication, reason="Nhập nhầm, kiểm tra lại")
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert 'id="term-1"' not in page
    assert publication.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.publish(actor=demo.user("teacher_math"), school_class=demo.school_class("6A1"),
                         term=demo.year.terms.get(number=1))
    services.publish(actor=demo.user("vice"), school_class=demo.school_class("6A1"), term=demo.year.terms.get(number=1))
    assert 'id="term-1"' in client.get(reverse("families:child", args=[student.pk])).content.decode()


def test_regular_scores_as_entered_when_the_school_says_so(demo, family):
    parent, client = family
    student = parent.links.get().student
    Publication.objects.get(withdrawn_at__isnull=True, school_class=demo.school_class("6A1"))
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=True)
    page = client.get(reverse("families:child", args=[student.pk])).content.decode()
    # term I is published; term II (started on the demo's calendar) shows its regular scores only
    assert 'id="term-1"' in page
    assert ('id="term-2"' in page) == (demo.year.terms.get(number=2).start_date <= timezone.localdate())


def test_another_child_or_a_staff_page_is_a_404_logged_as_a_refusal(demo, caplog):
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))
    make_account(code)
    client = Client()
    assert client.post(reverse("login"), {"username": "0912345678", "password": PASSWORD}).status_code == 302
    other = first_student(demo, "8A1")
    with caplog.at_level("WARNING", logger="schoolrecords.security"):
        assert client.get(reverse("families:child", args=[other.pk])).status_code == 404
        for url in (reverse("gradebook:corrections"), reverse("eledger:index"), reverse("archive:index"),
                    reverse("class_detail", args=[demo.school_class("6A1").pk])):
            assert client.get(url).status_code == 404, url
    assert len([r for r in caplog.records if r.name == "schoolrecords.security"]) >= 5
    assert client.get(reverse("families:child", args=[999999])).status_code == 404
    assert client.get(reverse("families:home")).status_code == 200


def test_the_publication_board_publishes_a_grade(demo, login):
    client = login("principal")
    term = demo.year.terms.get(number=1)
    response = client.post(reverse("families:publications_year", args=[demo.year.pk]), {"term": term.pk, "grade": 7})
    assert response.status_code == 302
    assert set(Publication.objects.filter(term=term, withdrawn_at__isnull=True).values_list(
        "school_class__grade", flat=True)) == {7}
    page = client.get(reverse("families:publications_year", args=[demo.year.pk]))
    assert page.status_code == 200 and "7A1" in page.content.decode()


def test_the_homeroom_teacher_issues_a_code_from_the_class_page(demo, login):
    client = login("homeroom_6a1")
    school_class = demo.school_class("6A1")
    assert reverse("families:class_families", args=[school_class.pk]) in client.get(
        reverse("class_detail", args=[school_class.pk])).content.decode()
    student = first_student(demo)
    response = client.post(reverse("families:class_families", args=[school_class.pk]), {"student": student.pk})
    assert response.status_code == 200
    code = response.context["code"]
    assert code in response.content.decode()
    assert Invitation.objects.get(student=student, used_at__isnull=True).code_hash == services.code_hash(code)


def test_joining_on_the_page_logs_the_parent_in(demo):
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo))
    client = Client()
    bad = client.post(reverse("families:join"), {"code": "XXXXX-YYYYY", "relation": "father", "full_name": "Lê An",
                                                 "phone": "0912345678", "password1": PASSWORD, "password2": PASSWORD})
    assert bad.status_code == 200 and bad.context["form"].errors["code"]
    response = client.post(reverse("families:join"), {"code": code, "relation": "father", "full_name": "Lê An",
                                                      "phone": "0912345678", "password1": PASSWORD,
                                                      "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("families:home")
    assert Guardianship.objects.filter(parent__phone="0912345678").count() == 1


# The session, the user, the parent, the links and this year's classes, the publications, the unread notices …:
# the same for one child or three, for a class of 40 or of 10.
HOME_QUERIES = 12
CHILD_QUERIES = 30


def test_the_parent_pages_take_a_fixed_number_of_queries(demo, family):
    parent, client = family
    student = parent.links.get().student
    client.get(reverse("families:home"))
    one_child = _count(client, reverse("families:home"))
    assert one_child == HOME_QUERIES
    for class_name in ("7A1", "8A1"):
        _inv, code = services.invitation_issue(actor=demo.user("board"), student=first_student(demo, class_name))
        services.child_add(actor=parent.user, code=code, relation="mother")
    assert _count(client, reverse("families:home")) == one_child
    page = _count(client, reverse("families:child", args=[student.pk]))
    assert page == CHILD_QUERIES
    small = sm.Enrolment.objects.filter(school_class=demo.school_class("6A1")).exclude(student=student)
    for enrolment in list(small)[:30]:
        enrolment.status, enrolment.end_date = sm.Enrolment.Status.TRANSFERRED_OUT, demo.year.start_date
        record(enrolment, actor=demo.user("board"), reason="test: a smaller class", update_fields=["status", "end_date"])
    assert _count(client, reverse("families:child", args=[student.pk])) == page


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- contact slips (item 5) ----------------------------------------------------------------------

def test_the_homeroom_teacher_prints_the_mid_term_slips_and_the_parent_confirms_receipt(demo, login, family):
    parent, parent_client = family
    student = parent.links.get().student
    school_class = demo.school_class("6A1")
    enrolment = sm.Enrolment.objects.get(student=student, school_class=school_class)
    term = demo.year.terms.get(number=1)
    assignment = demo.assignment("6A1", "toan")
    assert scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=assignment, term=term,
                       cells=[CellInput(enrolment.pk, "tx", 1, "7"), CellInput(enrolment.pk, "gk", 1, "8"),
                              CellInput(enrolment.pk, "ck", 1, "9")]).ok
    teacher = login("homeroom_6a1")
    url = reverse("families:class_slips", args=[school_class.pk, 1, "mid"])
    page = teacher.get(url)
    slip = dict(page.context["slips"])[student.pk]
    toan = next(s for s in slip.subjects if s.name == "Toán")
    assert "7" in toan.cells and "8" in toan.cells and "9" not in toan.cells and not slip.learning  # mid-term only
    assert len(page.context["slips"]) == sm.Enrolment.objects.filter(school_class=school_class,
                                                                     status="studying").count()
    assert teacher.post(url).status_code == 302
    issue = page.context["issue"] or SlipIssue.objects.get(school_class=school_class, term=term, occasion="mid")
    child = parent_client.get(reverse("families:child", args=[student.pk])).content.decode()
    assert f"slip-confirm-{issue.pk}" in child
    parent_client.post(reverse("families:child", args=[student.pk]), {"slip": issue.pk})
    parent_client.post(reverse("families:child", args=[student.pk]), {"slip": issue.pk})  # twice: once kept
    assert SlipConfirmation.objects.filter(issue=issue, student=student).count() == 1
    assert student.pk in teacher.get(url).context["confirmed"]
    end = teacher.get(reverse("families:class_slips", args=[school_class.pk, 1, "end"]))
    assert "9" in next(s for s in dict(end.context["slips"])[student.pk].subjects if s.name == "Toán").cells
    assert login("teacher_math").get(url).status_code == 403  # (the fixture's one client, now another user)


def test_the_invitation_code_is_not_in_clear_in_the_broker(demo, monkeypatch, django_capture_on_commit_callbacks):
    from families import tasks
    from schoolrecords import sealing

    queued = []
    monkeypatch.setattr(tasks.send_invitation, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=first_student(demo),
                                                     email="hanh@nha.test")
    [(invitation_id, sealed)] = queued
    assert invitation_id == invitation.pk and code not in sealed
    assert sealing.unseal(sealed, **tasks.CODE_KEY) == code
    with pytest.raises(sealing.InvalidToken):  # another purpose's key opens nothing
        sealing.unseal(sealed, salt=b"archive.inspection", info=b"an inspector's link in a task")
