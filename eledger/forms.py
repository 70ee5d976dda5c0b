"""Forms of the document store: uploads, the review decision, filters and the school's settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schoolrecords.forms import DateInput, date_field

from .models import Document, DocumentSettings


def _file_field(kind) -> forms.FileField:
    # Empty files reach the service, which refuses them with the store's own message; the
    # browser hint is only a convenience, the service checks the content.
    accept = "application/pdf,.pdf" if kind is None or kind.pdf_only else None
    attrs = {"accept": accept} if accept else {}
    return forms.FileField(
        label=_("File"), allow_empty_file=True, widget=forms.ClearableFileInput(attrs=attrs),
        help_text=_("PDF only, at most 20 MB.") if kind is None or kind.pdf_only
        else _("PDF, Word, Excel, PowerPoint, JPEG or PNG, at most 20 MB."),
    )


class LessonPlanForm(forms.Form):
    """A lesson plan: what it teaches and when, and its PDF."""

    subject_grade = forms.ChoiceField(label=_("Subject and grade"))
    period = forms.IntegerField(label=_("Period in the programme"), min_value=1, max_value=999,
                                help_text=_("The period number in the subject's programme (PPCT)."))
    lesson_title = forms.CharField(label=_("Lesson title or topic"), max_length=200)
    teaching_date = date_field(_("Teaching date"))
    file = forms.FileField()  # replaced in __init__
    submit = forms.BooleanField(label=_("Send to the department head for review now"), required=False,
                                initial=True)

    def __init__(self, *args, pairs, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_grade"].choices = [("", "—")] + [
            (f"{subject_id}:{grade}", f"{name} {grade}") for subject_id, name, grade in pairs
        ]
        self.fields["file"] = _file_field(kind)
        self.fields["lesson_title"].widget.attrs.update({"size": 50})
        self.order_fields(["subject_grade", "period", "lesson_title", "teaching_date", "file", "submit"])

    def clean_subject_grade(self):
        subject_id, _sep, grade = self.cleaned_data["subject_grade"].partition(":")
        return int(subject_id), int(grade)


class DocumentForm(forms.Form):
    """Any other document: a title and its file (and the department for a department's document)."""

    title = forms.CharField(label=_("Title"), max_length=250, required=False,
                            help_text=_("Leave it empty to use the file's name."))
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    file = forms.FileField()
    submit = forms.BooleanField(label=_("Send for review now"), required=False, initial=True)

    def __init__(self, *args, kind, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update({"size": 50})
        self.fields["file"] = _file_field(kind)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments
            self.fields["department"].required = True
            if departments.count() == 1:
                self.fields["department"].initial = departments.first()
        if not kind.requires_review:
            del self.fields["submit"]
        self.order_fields(["department", "title", "file", "submit"])


class VersionForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"] = _file_field(kind)
        self.fields["file"].label = _("New version")


class SubmitForm(forms.Form):
    comment = forms.CharField(label=_("Note to the reviewer"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "cols": 50}))


class ReviewForm(forms.Form):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[(APPROVE, _("Approve")), (RETURN, _("Return for changes"))])
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
                              help_text=_("Required when you return the document."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what has to change: the comment is required when returning."))
        return data


class FilterForm(forms.Form):
    """The list's filters: GET parameters, every one optional."""

    teacher = forms.TypedChoiceField(label=_("Teacher"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    subject = forms.TypedChoiceField(label=_("Subject"), required=False, coerce=int, empty_value=None)
    grade = forms.TypedChoiceField(label=_("Grade"), required=False, coerce=int, empty_value=None,
                                   choices=[("", "—")] + [(g, g) for g in range(1, 13)])
    week = forms.DateField(label=_("Week of"), required=False, widget=DateInput(),
                           input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                           help_text=_("Any day of the week, dd/mm/yyyy."))
    kind = forms.TypedChoiceField(label=_("Kind"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—")] + list(Document.Status.choices))
    year = forms.TypedChoiceField(label=_("School year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["teacher"].choices = blank + choices["teachers"]
        self.fields["department"].choices = blank + choices["departments"]
        self.fields["subject"].choices = blank + choices["subjects"]
        self.fields["kind"].choices = blank + choices["kinds"]
        self.fields["year"].choices = blank + choices["years"]


class SettingsForm(forms.ModelForm):
    class Meta:
        model = DocumentSettings
        fields = ["refuse_late_uploads", "days_before"]
        widgets = {"days_before": forms.NumberInput(attrs={"min": 0, "max": 30})}

    def clean_days_before(self):
        value = self.cleaned_data["days_before"]
        if value > 30:
            raise forms.ValidationError(_("At most 30 days."))
        return value


class KindForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    requires_review = forms.BooleanField(label=_("Needs review and approval"), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False)
