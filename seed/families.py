"""The demo's family: a parent of a 6A1 student with an account, term I of 6A1 published, and the school's notice."""

from django.contrib.auth import get_user_model

from families import services as families
from families.models import Guardianship, Notice, Parent, Publication, Relation
from schoolrecords import models as m
from schoolrecords import services

User = get_user_model()

PARENT_USERNAME = "parent_6a1"
PARENT_PHONE = "0900000601"
NOTICE_TITLE = "Họp phụ huynh học sinh đầu năm học"
NOTICE_BODY = ("Kính mời quý phụ huynh dự họp phụ huynh học sinh đầu năm học tại lớp của con, lúc 7 giờ 30 "
               "sáng Chủ nhật. Nhà trường trân trọng cảm ơn.")


def build_demo_family(built: dict, password: str) -> Parent:
    """Create what is missing: the parent's account linked (through an invitation) to the first student
    of 6A1, 6A1's term I published by the principal, and the principal's notice to every family (the
    parent's receipt unread). Running it again changes nothing."""
    year, users = built["year"], built["users"]
    school_class = built["classes"]["6A1"]
    enrolment = (m.Enrolment.objects.filter(school_class=school_class, status=m.Enrolment.Status.STUDYING)
                 .select_related("student").order_by("student__code").first())
    parent = Parent.objects.filter(user__username=PARENT_USERNAME).first()
    if parent is None:
        user = User.objects.create_user(PARENT_USERNAME, password=password)
        parent = services.record(Parent(user=user, full_name=enrolment.student.mother_name or "Phụ huynh 6A1",
                                        phone=PARENT_PHONE), actor=user, reason="seed_demo")
    if not Guardianship.objects.filter(parent=parent, student=enrolment.student, ended_at__isnull=True).exists():
        homeroom = school_class.homeroom_teacher or users["board"]
        _invitation, code = families.invitation_issue(actor=homeroom, student=enrolment.student, reason="seed_demo")
        families.child_add(actor=parent.user, code=code, relation=Relation.MOTHER)
    term = year.terms.get(number=1)
    if not Publication.objects.filter(school_class=school_class, term=term, withdrawn_at__isnull=True).exists():
        families.publish(actor=users["principal"], school_class=school_class, term=term, reason="seed_demo")
    if not Notice.objects.filter(year=year, title=NOTICE_TITLE).exists():  # the principal's, to every family
        families.notice_write(actor=users["principal"], year=year, audience=Notice.Audience.SCHOOL,
                              title=NOTICE_TITLE, body=NOTICE_BODY, reason="seed_demo")
    return parent
