"""Forms of the yearly set-up: years and terms, subjects, periods per grade, classes and assignments."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import models as m
from .formats import csdl
from .staff_forms import phone_validator
from .text import is_class_name

YEAR_NAME = re.compile(r"^(\d{4})-(\d{4})$")
MAX_ORDER = 999  # a subject's place in lists


def errors_by_field(error: ValidationError, default_field: str | None = None) -> dict[str | None, list[str]]:
    """A service's ValidationError as {field: messages}; what names no field goes to ``default_field``."""
    if hasattr(error, "error_dict"):
        return {key: list(ValidationError(errors).messages) for key, errors in error.error_dict.items()}
    return {default_field: list(error.messages)}


def apply_service_errors(form: forms.Form, error: ValidationError, *, default_field: str | None = None,
                         field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError at the field it is about: ``field_map``'s name for the service's
    key when the form has that field, else the key itself; what names no field goes to ``default_field``
    (None: above the form). The one place every page turns a service's refusal into form errors."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            name = next((n for n in (field_map.get(key), key) if n in form.fields), default_field)
            form.add_error(name, errors)
    else:
        form.add_error(default_field, error.error_list)


def code_elsewhere(code: str, school_id: int) -> None:
    """A new student's code that a student of another school has is refused: the sector's codes are one per
    student in the whole sector (the sector database's import refuses it the same way)."""
    if m.Student.objects.filter(code=code).exclude(school_id=school_id).exists():
        raise ValidationError(gettext(csdl.MSG_CODE_ELSEWHERE) % {"code": code})


class DateInput(forms.DateInput):
    """A text field in dd/mm/yyyy, which every browser shows the same way, with a calendar button beside it.

    The button (static/js/site.js, ``data-datepicker`` names it) opens the browser's own date picker and
    writes the chosen day back as dd/mm/yyyy; typing stays the fast way.
    """

    def __init__(self, **kwargs):
        super().__init__(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric",
                                                   "size": 10, "data-datepicker": _("Choose on a calendar"),
                                                   **kwargs.pop("attrs", {})}, **kwargs)


def date_field(label, **options):
    return forms.DateField(label=label, widget=DateInput(), input_formats=["%d/%m/%Y", "%Y-%m-%d"], **options)


class SchoolYearForm(forms.Form):
    name = forms.CharField(label=_("School year"), max_length=9, help_text=_("For example 2025-2026"))
    start_date = date_field(_("Start date"))
    end_date = date_field(_("End date"))
    term1_start = date_field(_("Term I starts"))
    term1_end = date_field(_("Term I ends"))
    term2_start = date_field(_("Term II starts"))
    term2_end = date_field(_("Term II ends"))
    make_current = forms.BooleanField(label=_("Make it the current year"), required=False, initial=True)
    rule_set = forms.ChoiceField(label=_("Assessment rules"), choices=m.RuleSet.choices, required=False,
                                 help_text=_("Primary schools follow TT27, secondary schools TT22."))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        match = YEAR_NAME.match(name)
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValidationError(_("Write the year as two consecutive years, for example 2025-2026."))
        return name

    def clean(self):
        data = super().clean()
        order = ["start_date", "term1_start", "term1_end", "term2_start", "term2_end", "end_date"]
        match = YEAR_NAME.match(data.get("name") or "")
        if match:
            # 2025-2026 starts in 2025 and ends in 2026: a mistyped year (9999) never becomes a school year.
            for key, year, message in (
                ("start_date", int(match.group(1)), _("The school year %(name)s starts in %(year)s.")),
                ("end_date", int(match.group(2)), _("The school year %(name)s ends in %(year)s.")),
            ):
                if data.get(key) and data[key].year != year:
                    self.add_error(key, message % {"name": data["name"], "year": year})
        if all(data.get(key) for key in order):
            data = dict(data)  # add_error drops a field from cleaned_data; the later checks still read it
            if not data["start_date"] < data["end_date"]:
                self.add_error("end_date", _("The year must end after it starts."))
            if not data["term1_start"] < data["term1_end"]:
                self.add_error("term1_end", _("A term must end after it starts."))
            if not data["term2_start"] < data["term2_end"]:
                self.add_error("term2_end", _("A term must end after it starts."))
            if not data["term1_end"] < data["term2_start"]:
                self.add_error("term2_start", _("Term II must start after term I ends."))
            if data["term1_start"] < data["start_date"]:
                self.add_error("term1_start", _("A term must lie inside its school year."))
            if data["term2_end"] > data["end_date"]:
                self.add_error("term2_end", _("A term must lie inside its school year."))
        return self.cleaned_data


class TermDatesForm(forms.Form):
    start_date = date_field(_("Start date"))
    end_date = date_field(_("End date"))

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and not data["start_date"] < data["end_date"]:
            self.add_error("end_date", _("A term must end after it starts."))
        return data


class YearSettingsForm(forms.Form):
    rule_set = forms.ChoiceField(label=_("Assessment rules"), choices=m.RuleSet.choices,
                                 help_text=_("Primary schools follow TT27, secondary schools TT22."))
    comment_subject_can_adjust = forms.BooleanField(
        label=_("A comment subject may be the single subject of the adjustment (TT22 art. 9.3)"), required=False
    )


class SubjectForm(forms.ModelForm):
    class Meta:
        model = m.Subject
        fields = ["code", "name", "assessment_mode", "is_foreign_language", "department", "order"]

    def __init__(self, *args, school: m.School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["department"].queryset = m.Department.objects.filter(school=school)
        # A place in lists; unbounded, SQLite would store any number and PostgreSQL refuse one past 32767.
        order = self.fields["order"]
        order.max_value, order.widget.attrs["max"] = MAX_ORDER, MAX_ORDER
        order.validators.append(MaxValueValidator(MAX_ORDER))

    def clean_code(self):
        code = self.cleaned_data["code"].strip().lower()
        clash = m.Subject.objects.filter(school=self.school, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another subject already has this code."))
        return code


class PeriodsForm(forms.Form):
    """One number field per (grade, subject): periods per year, blank when the grade does not study it."""

    def __init__(self, *args, grades: list[int], subjects: list[m.Subject], initial_periods: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.grades, self.subjects = grades, subjects
        for subject in subjects:
            for grade in grades:
                self.fields[self.key(grade, subject.pk)] = forms.IntegerField(
                    label=f"{subject.name} {grade}", required=False, min_value=1, max_value=400,
                    initial=initial_periods.get((grade, subject.pk)),
                    widget=forms.NumberInput(attrs={"min": 1, "max": 400}),
                )

    @staticmethod
    def key(grade: int, subject_id: int) -> str:
        return f"p_{grade}_{subject_id}"

    def rows(self):
        for subject in self.subjects:
            yield subject, [self[self.key(grade, subject.pk)] for grade in self.grades]

    def periods_for(self, grade: int) -> dict[int, int | None]:
        return {s.pk: self.cleaned_data.get(self.key(grade, s.pk)) for s in self.subjects}


def teacher_choices(teachers) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(u.pk), f"{u.profile.full_name} ({u.username})") for u in teachers]


class SchoolClassForm(forms.Form):
    name = forms.CharField(label=_("Class"), max_length=20, help_text=_("For example 6A1"))
    grade = forms.TypedChoiceField(label=_("Grade"), coerce=int)
    homeroom_teacher = forms.TypedChoiceField(label=_("Homeroom teacher"), required=False, coerce=int,
                                              empty_value=None)

    def __init__(self, *args, grades: list[int], teachers, year: m.SchoolYear,
                 instance: m.SchoolClass | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year, self.instance = year, instance
        self.fields["grade"].choices = [(g, str(g)) for g in grades]
        self.fields["homeroom_teacher"].choices = teacher_choices(teachers)
        self.teachers = {u.pk: u for u in teachers}

    def clean_name(self):
        name = self.cleaned_data["name"].strip().upper()
        if not is_class_name(name):
            raise ValidationError(_("A class name has only letters without accents, digits, dots and hyphens, "
                                    "for example 6A1."), code="class_name")
        clash = m.SchoolClass.objects.filter(year=self.year, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("This year already has a class with this name."))
        return name

    def clean(self):
        data = super().clean()
        name, grade = data.get("name"), data.get("grade")
        if name and grade and not name.startswith(str(grade)):
            self.add_error("name", _("A class name starts with its grade, for example %(example)s.")
                           % {"example": f"{grade}A1"})
        return data

    def homeroom(self):
        pk = self.cleaned_data.get("homeroom_teacher")
        return self.teachers.get(pk) if pk else None


class AssignmentsForm(forms.Form):
    """One teacher choice per subject the class studies (its own set, else its grade's)."""

    def __init__(self, *args, studied, teachers, current: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.studied = list(studied)
        self.teachers = {u.pk: u for u in teachers}
        choices = teacher_choices(teachers)
        for each in self.studied:
            self.fields[f"s_{each.subject.pk}"] = forms.TypedChoiceField(
                label=each.subject.name, choices=choices, required=False, coerce=int, empty_value=None,
                initial=current.get(each.subject.pk),
            )

    def rows(self):
        for each in self.studied:
            yield each, self[f"s_{each.subject.pk}"]

    def chosen(self) -> dict[int, object]:
        return {each.subject.pk: self.teachers.get(self.cleaned_data.get(f"s_{each.subject.pk}"))
                for each in self.studied}


class ClassSubjectsForm(forms.Form):
    """One number field per subject of the school: periods per year in this class, blank when it does not
    study it (upper secondary: the compulsory subjects, the elective combination, the learning topics)."""

    def __init__(self, *args, subjects: list[m.Subject], initial_periods: dict[int, int], initial_topics: set[int],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = subjects
        for subject in subjects:
            self.fields[self.key(subject.pk)] = forms.IntegerField(
                label=subject.name, required=False, min_value=1, max_value=400,
                initial=initial_periods.get(subject.pk), widget=forms.NumberInput(attrs={"min": 1, "max": 400}),
            )
            self.fields[self.topics_key(subject.pk)] = forms.BooleanField(
                label=_("Learning topics of %(subject)s") % {"subject": subject.name}, required=False,
                initial=subject.pk in initial_topics,
            )

    @staticmethod
    def key(subject_id: int) -> str:
        return f"p_{subject_id}"

    @staticmethod
    def topics_key(subject_id: int) -> str:
        return f"t_{subject_id}"

    def rows(self):
        for subject in self.subjects:
            yield subject, self[self.key(subject.pk)], self[self.topics_key(subject.pk)]

    def clean(self):
        data = super().clean()
        for subject in self.subjects:
            if data.get(self.topics_key(subject.pk)) and not data.get(self.key(subject.pk)):
                self.add_error(self.topics_key(subject.pk),
                               _("Learning topics belong to a subject the class studies."))
        return data

    def periods(self) -> dict[int, int | None]:
        return {s.pk: self.cleaned_data.get(self.key(s.pk)) for s in self.subjects}

    def topics(self) -> set[int]:
        return {s.pk for s in self.subjects if self.cleaned_data.get(self.topics_key(s.pk))}


class EnrolmentEndForm(forms.Form):
    status = forms.ChoiceField(label=_("How the enrolment ends"), choices=[
        (m.Enrolment.Status.TRANSFERRED_OUT, m.Enrolment.Status.TRANSFERRED_OUT.label),
        (m.Enrolment.Status.DROPPED, m.Enrolment.Status.DROPPED.label),
    ])
    end_date = date_field(_("Date"))
    reason = forms.CharField(label=_("Reason"), max_length=255)


class StudentForm(forms.ModelForm):
    class Meta:
        model = m.Student
        fields = ["code", "registration_number", "full_name", "date_of_birth", "gender", "ethnicity",
                  "place_of_birth", "hometown", "address", "priority_group",
                  "father_name", "father_occupation", "father_phone", "mother_name", "mother_occupation",
                  "mother_phone", "guardian_name", "guardian_occupation", "guardian_phone", "parent_email"]
        widgets = {"date_of_birth": DateInput()}

    def __init__(self, *args, school: m.School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["date_of_birth"].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]
        for name in ("father_phone", "mother_phone", "guardian_phone"):
            self.fields[name].validators.append(phone_validator)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        clash = m.Student.objects.filter(school=self.school, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another student already has this code."))
        if code != self.instance.code:
            code_elsewhere(code, self.school.pk)
        return code

    def clean_registration_number(self):
        number = self.cleaned_data["registration_number"].strip()
        if not number:
            return number
        clash = m.Student.objects.filter(school=self.school, registration_number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another student already has this registration number."))
        suffix = self.school.registration_suffix
        changed = number != (self.instance.registration_number or "")
        if suffix and changed and not re.fullmatch(rf"\d{{1,6}}/{re.escape(suffix)}", number):
            raise ValidationError(_("Write the registration number as the school does: a number, then /%(suffix)s "
                                    "(for example 125/%(suffix)s).") % {"suffix": suffix})
        return number

    def validate_unique(self):
        # The school is not a form field; uniqueness per school is checked in clean_code and
        # clean_registration_number.
        pass


class _OneFileForm(forms.Form):
    """One uploaded file whose limit is its URL's in UPLOAD_LIMITS (a larger one arrives empty, with its size)."""

    limit_mb = 0

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.limit_mb * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(size)s MB.") % {"size": self.limit_mb})
        self.content = upload.read()
        return upload


class PhotoForm(_OneFileForm):
    limit_mb = 10
    file = forms.FileField(label=_("Photo (JPEG or PNG)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))


class ClassPhotosForm(_OneFileForm):
    limit_mb = 50
    file = forms.FileField(
        label=_("Zip of photos named by student code"), allow_empty_file=True,
        help_text=_("One JPEG or PNG file per student, named by the student code, e.g. HS0001.jpg."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class RegistrationNumbersForm(forms.Form):
    suffix = forms.CharField(label=_("The school's suffix"), max_length=20, required=False,
                             help_text=_("For example THCS: the numbers are written 125/THCS. Leave it empty for "
                                         "plain numbers."))

    def clean_suffix(self):
        suffix = self.cleaned_data["suffix"].strip().strip("/")
        if suffix and not re.fullmatch(r"[0-9A-Za-zÀ-ỹĐđ.\-]{1,20}", suffix):
            raise ValidationError(_("Use letters, digits, dots or dashes only."))
        return suffix


# --- movements during the year -----------------------------------------------------------------

class ClassStudentForm(StudentForm):
    """The class page's new student: from the year's start, or (with a date) arriving from another school."""

    MOVEMENT_FIELDS = ("arrived_on", "other_school", "reason")

    arrived_on = date_field(
        _("Arrived during the year on"), required=False,
        help_text=_("Leave empty for a student of the class from the year's start. With a date, the student is "
                    "a transfer in: due only for the periods from that day on."),
    )
    other_school = forms.CharField(label=_("School the student comes from"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        if data.get("arrived_on"):
            for name in ("other_school", "reason"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("A student who arrives during the year needs this."))
        return data

    def student_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name not in self.MOVEMENT_FIELDS}


class MovementForm(forms.Form):
    """The fields every movement has: the date and the reason (the other school where there is one)."""

    date = date_field(_("Date"))
    reason = forms.CharField(label=_("Reason"), max_length=255)


class TransferOutForm(MovementForm):
    other_school = forms.CharField(label=_("School the student goes to"), max_length=200)


class DropOutForm(MovementForm):
    pass


class ReturnForm(MovementForm):
    pass


def _class_choices(year: m.SchoolYear, exclude_id: int | None = None) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(c.pk), c.name) for c in m.SchoolClass.objects.filter(year=year)
                          .exclude(pk=exclude_id).order_by("grade", "name")]


class ClassChangeForm(MovementForm):
    school_class = forms.ChoiceField(label=_("New class"))

    def __init__(self, *args, year: m.SchoolYear, current_class_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["school_class"].choices = _class_choices(year, current_class_id)
        self.order_fields(["school_class", "date", "reason"])

    def clean_school_class(self):
        found = m.SchoolClass.objects.filter(year=self.year, pk=self.cleaned_data["school_class"]).first()
        if found is None:
            raise ValidationError(_("Choose a class of the same school year."))
        return found


class TransferInForm(ClassChangeForm):
    """A student arriving from another school: one the school knows (by code), or a new one."""

    other_school = forms.CharField(label=_("School the student comes from"), max_length=200)

    def __init__(self, *args, year: m.SchoolYear, **kwargs):
        super().__init__(*args, year=year, **kwargs)
        self.fields["school_class"].label = _("Class")
        self.order_fields(["school_class", "date", "other_school", "reason"])


class NewStudentTransferInForm(TransferInForm):
    """The year's page: the student is found by code, or created from the name, birth date and gender."""

    code = forms.CharField(label=_("Student code"), max_length=30)
    full_name = forms.CharField(label=_("Full name"), max_length=120, required=False,
                                help_text=_("Only for a student the school does not know yet."))
    date_of_birth = date_field(_("Date of birth"))
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *m.Student.Gender.choices], required=False)

    def __init__(self, *args, year: m.SchoolYear, **kwargs):
        super().__init__(*args, year=year, **kwargs)
        self.fields["date_of_birth"].required = False
        self.order_fields(["code", "full_name", "date_of_birth", "gender", "school_class", "date", "other_school",
                           "reason"])

    def clean(self):
        data = super().clean()
        code = (data.get("code") or "").strip()
        self.student = m.Student.objects.filter(school_id=self.year.school_id, code=code).first() if code else None
        if code and self.student is None:
            try:
                code_elsewhere(code, self.year.school_id)
            except ValidationError as error:
                self.add_error("code", error)
                return data
            for name in ("full_name", "date_of_birth", "gender"):
                if not data.get(name):
                    self.add_error(name, _("No student has this code yet: give this to create one."))
        return data
