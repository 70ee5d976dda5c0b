"""The wording of the học bạ (THCS and THPT under TT22; the primary card shares the cover and particulars).

Every heading, label and line the form prints is here, lazily translated (English in the code,
the form's Vietnamese in locale/parts/hocbaform.po); templates/pdf/report_card.html only lays
them out ({% hocba_wording as w %}, archive/templatetags/hocba_form.py). A Sở that prints a
variant changes these values, not the template.
"""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The level the cover names under "HỌC BẠ", by School.Level value.
LEVEL_TITLES = {
    "primary": _("PRIMARY SCHOOL"),
    "lower_secondary": _("LOWER SECONDARY"),
    "upper_secondary": _("UPPER SECONDARY"),
}
# The programme the completion line names ("Hoàn thành chương trình lớp học/THCS"), by School.Level value.
LEVEL_SHORT = {"primary": "TH", "lower_secondary": "THCS", "upper_secondary": "THPT"}

COVER = SimpleNamespace(
    ministry=_("MINISTRY OF EDUCATION AND TRAINING"),
    title=_("REPORT CARD"),
    full_name=_("Student's full name:"),
    school=_("School:"),
    # Since 1 July 2025 (two-level local government) the form names the commune, not the district.
    commune=_("Commune/Ward/Special zone:"),
    province=_("Province/City:"),
    registration=_("PCGD registration number:"),
    transfer=_("(Printed for a transfer to another school)"),
)

# The usage guide (hướng dẫn sử dụng) the form prints after its cover; the last point is the archive's.
GUIDE_TITLE = _("GUIDE TO THE REPORT CARD")
GUIDE = (
    _("1. The report card is kept and looked after by the school. At the start of the year, at the end of term I "
      "and at the end of the year it is handed to the homeroom teacher, who fills it in and returns it."),
    _("2. Each subject teacher writes the subject's average or level of each term and of the whole year, and a "
      "remark on the student's progress, main strengths and main weaknesses, and signs beside it on the year's "
      "subject page."),
    _("3. The homeroom teacher fills in the cover and the student's particulars when the student joins the "
      "school; writes each term's and the year's conduct and learning results, the sessions absent, the "
      "re-assessment after the summer, promotion, programme completion, certificates, competition results and "
      "awards; and writes a remark on the student's progress, qualities and competencies."),
    _("4. The principal checks the report card at the end of the year, approves it, signs and seals it."),
    _("5. A correction is struck through, the new content written beside it and signed; the foot of each page "
      "states how many places were corrected and in which subjects."),
    _("6. In this electronic report card a value is changed only through an approved correction request: each "
      "year's subject page counts and lists the approved corrections, and every page carries a verification "
      "code to check the printed copy against the school's archive."),
)

PARTICULARS = SimpleNamespace(
    title=_("STUDENT'S PARTICULARS"),
    photo=_("Photo 3 × 4"),
    full_name=_("Full name:"),
    gender=_("Gender:"),
    date_of_birth=_("Date of birth:"),
    ethnicity=_("Ethnicity:"),
    place_of_birth=_("Place of birth:"),
    hometown=_("Hometown:"),
    address=_("Current address:"),
    priority_group=_("Priority group (child of a war martyr, of a war invalid, …):"),
    father=_("Father's full name:"),
    mother=_("Mother's full name:"),
    guardian=_("Guardian's full name:"),
    occupation=_("Occupation:"),
    code=_("Student code:"),
    registration=_("Registration number:"),
    history=_("SCHOOL HISTORY"),
    history_year=_("School year"),
    history_class=_("Class"),
    history_school=_("School"),
    principal=_("Principal"),
)

SUBJECTS = SimpleNamespace(
    year=_("School year:"),
    class_name=_("Class:"),
    full_name=_("Full name:"),
    homeroom=_("Homeroom teacher:"),
    subject=_("Subjects and educational activities"),
    average=_("Subject average or level"),
    term1=_("Term I"),
    term2=_("Term II"),
    whole_year=_("Whole year"),
    reassessed=_("Average or level after re-assessment (if any)"),
    plan=_("Assessed under the plan"),
    remark=_("Progress, main strengths and weaknesses (if any), and the subject teacher's signature"),
    # "Trong trang này có sửa chữa ở … chỗ, thuộc các môn: …"
    corrected=_("This page has corrections in %(count)s place(s), in the subjects: %(subjects)s"),
    none="—",
    corrections=_("Approved corrections"),
    correction_subject=_("Subject"),
    correction_term=_("Term"),
    correction_column=_("Column"),
    correction_change=_("Old → new"),
    correction_approved=_("Approved by, on"),
    homeroom_confirms=_("Homeroom teacher's confirmation"),
    principal_confirms=_("Principal's confirmation"),
)

SUMMARY = SimpleNamespace(
    title=_("CONDUCT AND LEARNING RESULTS"),
    results=pgettext_lazy("report card results", "Level"),
    reassessment=_("Re-assessment"),
    reassessed_level=_("Level after re-assessment"),
    conduct=_("Conduct result"),
    learning=_("Learning result"),
    absences=_("Sessions absent in the year (excused / unexcused):"),
    promotion=_("Promotion:"),
    after_reassessment=_("after the re-assessment or summer training:"),
    completion=_("Completes the grade's programme/%(level)s programme:"),
    programme=_("Upper-secondary programme:"),
    exam=_("Graduation exam:"),
    certificates=_("Certificates (if any):"),
    competitions=_("Competition results (if any):"),
    awards=_("Awards (if any):"),
    homeroom_remark=_("HOMEROOM TEACHER'S REMARK"),
    homeroom=_("Homeroom teacher"),
    principal_approval=_("PRINCIPAL'S APPROVAL"),
    principal=pgettext_lazy("report card signature", "Principal"),
    blank="……………………………………………………………………",
)

BLANK_YEAR = SimpleNamespace(
    heading=_("SCHOOL YEAR ........ — %(heading)s"),
    note=_("to be filled in by the receiving school"),
)
