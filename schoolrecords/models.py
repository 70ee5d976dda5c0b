"""The school's master data: schools, years, terms, departments, subjects, classes, students and staff."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RuleSet(models.TextChoices):
    """The assessment rules a school year follows (schoolrecords.levels says which grades each covers)."""

    TT22 = "TT22", _("Circular 22/2021 (grades 6-12)")
    TT27 = "TT27", _("Circular 27/2020 (grades 1-5)")


class School(models.Model):
    class Level(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        LOWER_SECONDARY = "lower_secondary", _("Lower-secondary school")
        UPPER_SECONDARY = "upper_secondary", _("Upper-secondary school")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.LOWER_SECONDARY)
    province = models.CharField(_("province"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    # Xã/Phường/Đặc khu: since the 2025 reform (two-level local government) the forms name the commune, not the
    # district; the học bạ's cover prints it.
    commune = models.CharField(_("commune, ward or special zone"), max_length=100, blank=True,
                               help_text=_("For example Phường Mạo Khê."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The school's part of a registration number (số đăng bộ "125/THCS"); blank: numbers are free text.
    registration_suffix = models.CharField(_("registration number suffix"), max_length=20, blank=True,
                                           help_text=_("For example THCS: numbers are then written 125/THCS."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        permissions = [
            ("manage_school_setup", _("Can run the school's yearly set-up")),
            ("view_school_overview", _("Can see the whole school's progress")),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="years", verbose_name=_("school"))
    name = models.CharField(_("school year"), max_length=9, help_text=_("For example 2025-2026"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    rule_set = models.CharField(_("assessment rules"), max_length=10, choices=RuleSet.choices, default=RuleSet.TT22)
    comment_subject_can_adjust = models.BooleanField(
        _("a comment subject may be the single subject of the adjustment"), default=True
    )
    is_current = models.BooleanField(_("current year"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="year_unique_name_per_school"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_current=True), name="year_one_current_per_school"
            ),
            models.CheckConstraint(condition=Q(start_date__lt=models.F("end_date")), name="year_starts_before_end"),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="terms", verbose_name=_("school year"))
    number = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("Term I")), (2, _("Term II"))])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="term_unique_number_per_year"),
            models.CheckConstraint(condition=Q(number__in=[1, 2]), name="term_number_1_or_2"),
            models.CheckConstraint(condition=Q(start_date__lt=models.F("end_date")), name="term_starts_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.get_number_display()} {self.year.name}"


class Department(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="departments", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=120)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("department head"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        permissions = [("review_department", _("Can review the department's documents"))]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    class Mode(models.TextChoices):
        SCORES = "scores", _("Scores (0-10)")
        COMMENTS = "comments", _("Comments (Pass / Not yet)")
        LEVELS = "levels", _("Primary levels (T / H / C)")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("school"))
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    assessment_mode = models.CharField(_("assessment"), max_length=10, choices=Mode.choices, default=Mode.SCORES)
    is_foreign_language = models.BooleanField(_("foreign language"), default=False)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="subjects",
        verbose_name=_("department"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="subject_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_commented(self) -> bool:
        return self.assessment_mode == self.Mode.COMMENTS

    @property
    def is_leveled(self) -> bool:
        """A primary subject (TT27): a level T / H / C at each point, and a test score where it has one."""
        return self.assessment_mode == self.Mode.LEVELS


class GradeSubject(models.Model):
    """A subject studied by one grade in one school year, with its periods per year."""

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="grade_subjects",
                             verbose_name=_("school year"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="grade_subjects",
                                verbose_name=_("subject"))
    periods_per_year = models.PositiveSmallIntegerField(_("periods per year"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject of a grade")
        verbose_name_plural = _("subjects of grades")
        ordering = ["year", "grade", "subject__order", "subject__name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "grade", "subject"], name="gradesubject_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="gradesubject_grade_1_12"),
            models.CheckConstraint(condition=Q(periods_per_year__gt=0), name="gradesubject_periods_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.grade}"


class ClassSubject(models.Model):
    """A subject one class studies, with its periods per year (upper secondary: its elective combination).

    A class with no ClassSubject rows studies its grade's subjects (GradeSubject); a class with rows
    studies exactly those. ``schoolrecords.selectors.class_subjects`` is the one reader of both.
    """

    school_class = models.ForeignKey("SchoolClass", on_delete=models.PROTECT, related_name="class_subjects",
                                     verbose_name=_("class"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="class_subjects",
                                verbose_name=_("subject"))
    periods_per_year = models.PositiveSmallIntegerField(_("periods per year"))
    # The class studies this subject's learning topics (cụm chuyên đề học tập): one more regular assessment.
    learning_topics = models.BooleanField(_("learning topics"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject of a class")
        verbose_name_plural = _("subjects of classes")
        ordering = ["school_class", "subject__order", "subject__name"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "subject"], name="classsubject_unique"),
            models.CheckConstraint(condition=Q(periods_per_year__gt=0), name="classsubject_periods_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.school_class_id}"


class SchoolClass(models.Model):
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school year"))
    name = models.CharField(_("class"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("grade"))
    homeroom_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )
    # Proposed by the year rollover: gives no right until the board confirms it as the homeroom teacher.
    draft_homeroom_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draft_homeroom_classes",
        verbose_name=_("proposed homeroom teacher"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade", "name"]
        permissions = [("homeroom_schoolclass", _("Is the homeroom teacher of the class"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="class_unique_name_per_year"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_1_12"),
        ]

    def __str__(self) -> str:
        return self.name


class Student(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school"))
    code = models.CharField(_("student code"), max_length=30)
    registration_number = models.CharField(_("registration number"), max_length=30, blank=True)
    full_name = models.CharField(_("full name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, default="Kinh")
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    hometown = models.CharField(_("hometown"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Đối tượng chính sách (the sector database's field): e.g. con thương binh, hộ nghèo.
    priority_group = models.CharField(_("priority group"), max_length=120, blank=True)
    father_name = models.CharField(_("father's name"), max_length=120, blank=True)
    father_occupation = models.CharField(_("father's occupation"), max_length=100, blank=True)
    father_phone = models.CharField(_("father's phone"), max_length=20, blank=True)
    mother_name = models.CharField(_("mother's name"), max_length=120, blank=True)
    mother_occupation = models.CharField(_("mother's occupation"), max_length=100, blank=True)
    mother_phone = models.CharField(_("mother's phone"), max_length=20, blank=True)
    guardian_name = models.CharField(_("guardian's name"), max_length=120, blank=True)
    guardian_occupation = models.CharField(_("guardian's occupation"), max_length=100, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    parent_email = models.EmailField(_("parents' e-mail"), max_length=254, blank=True)
    photo = models.ImageField(_("photo"), upload_to="students/photos/", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="student_unique_code"),
            models.UniqueConstraint(fields=["school", "registration_number"], name="student_unique_registration",
                                    condition=~models.Q(registration_number=""),
                                    violation_error_message=_("Another student already has this registration number.")),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def given_name(self) -> str:
        # Vietnamese lists sort by the given name, which is the last word.
        return self.full_name.rsplit(" ", 1)[-1]


class Enrolment(models.Model):
    """A student's place in a class; ended by a status change, never deleted."""

    class Status(models.TextChoices):
        STUDYING = "studying", _("Studying")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DROPPED = "dropped", _("Dropped out")
        # Moved to another class of the school: a new enrolment there continues this one.
        CLASS_CHANGED = "class_changed", _("Changed class")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("student"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="enrolments",
                                     verbose_name=_("class"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.STUDYING)
    note = models.CharField(_("note"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["school_class", "student__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class"], name="enrolment_unique_student_class"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="studying", end_date__isnull=True) | ~Q(status="studying") & Q(end_date__isnull=False),
                name="enrolment_end_date_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class}"

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(_("Enrolments are never deleted; end them with a status."), {self})

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.STUDYING


class Movement(models.Model):
    """A student's movement during a year, on a date, with a reason: the register the prints and the portal read.

    A transfer in or a return starts an enrolment (``enrolment``); a transfer out or a drop-out ends one;
    a class change ends ``previous`` and starts ``enrolment``. Movements are never changed or deleted.
    """

    class Kind(models.TextChoices):
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        CLASS_CHANGE = "class_change", _("Change of class")
        DROP_OUT = "drop_out", _("Drop-out")
        RETURN = "return", _("Return after leaving")

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="movements",
                             verbose_name=_("school year"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="movements",
                                verbose_name=_("student"))
    kind = models.CharField(_("movement"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=255)
    # The school the student came from (transfer in) or goes to (transfer out).
    other_school = models.CharField(_("other school"), max_length=200, blank=True)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="movements",
                                  verbose_name=_("enrolment"))
    previous = models.ForeignKey(Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous enrolment"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["year", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["transfer_in", "transfer_out", "class_change", "drop_out",
                                                         "return"]), name="movement_known_kind"),
            models.CheckConstraint(condition=Q(kind="class_change", previous__isnull=False)
                                   | ~Q(kind="class_change") & Q(previous__isnull=True),
                                   name="movement_previous_only_for_class_change"),
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.get_kind_display()} {self.date:%d/%m/%Y}"

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(_("Movements are never deleted."), {self})


class StaffProfile(models.Model):
    """What the school knows of a staff account; staff who leave are deactivated, never deleted."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Working")
        LEFT = "left", _("Left the school")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile",
                                verbose_name=_("account"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff", verbose_name=_("school"))
    full_name = models.CharField(_("full name"), max_length=120)
    position = models.CharField(_("position"), max_length=120, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="members", verbose_name=_("department"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The citizen-id number (căn cước công dân, 12 digits): a signing certificate must carry the same one.
    cccd = models.CharField(_("CCCD number"), max_length=12, blank=True,
                            validators=[RegexValidator(r"^[0-9]{12}$", _("A CCCD number has 12 digits."))])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class TeachingAssignment(models.Model):
    """This teacher teaches this subject in this class this year; it is what lets them enter scores.

    A draft (copied by the year rollover) is a proposal: it grants nothing, and counts as nobody's
    assignment, until the board confirms it.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Proposed, to confirm")
        CONFIRMED = "confirmed", _("Confirmed")

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="assignments",
                             verbose_name=_("school year"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="assignments",
                                     verbose_name=_("class"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="assignments",
                                verbose_name=_("subject"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                                verbose_name=_("teacher"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CONFIRMED)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        ordering = ["school_class", "subject__order", "subject__name"]
        permissions = [("teach_assignment", _("Teaches and enters scores for the assignment"))]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], condition=Q(end_date__isnull=True),
                name="assignment_one_open_per_class_subject",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} — {self.school_class}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None and self.state == self.State.CONFIRMED

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


# Staff accounts are Django users; their changes are kept too (never the password hash).
from django.contrib.auth import get_user_model  # noqa: E402
from simple_history import register  # noqa: E402

register(get_user_model(), app=__package__, excluded_fields=["password", "last_login"])
