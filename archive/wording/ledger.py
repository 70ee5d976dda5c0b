"""The class ledger's wording: Sổ theo dõi và đánh giá học sinh (theo lớp học), TT22's appendix.

templates/pdf/ledger.html and its summary tables (templates/pdf/_summary_table.html) print these labels in
the form's order: cover, usage guide, inner cover, part I (student records, monthly attendance), part II
(the scores of each term, the comment-assessed subjects first, then the term's summary), the year's
summary and classification, the principal's monthly remarks; then what the electronic book adds (the list
of approved corrections). A label with ``%(value)s`` is filled by the template's ``fill`` filter; the two
sentences with several values (the running title, the class size) stay in the template as blocktrans.
"""

from django.utils.translation import pgettext_lazy

# --- cover ---------------------------------------------------------------------------------------
SCHOOL = pgettext_lazy("ledger", "School:")
ADDRESS = pgettext_lazy("ledger", "Address:")
DISTRICT = pgettext_lazy("ledger", "District/town/city:")
PROVINCE = pgettext_lazy("ledger", "Province/city:")
FORM_REFERENCE = pgettext_lazy("ledger", "(Form issued with Circular No. 22/2021/TT-BGDĐT of 20 July 2021)")
TITLE = pgettext_lazy("ledger", "STUDENT MONITORING AND ASSESSMENT BOOK")
BY_CLASS = pgettext_lazy("ledger", "(By class)")
LEVEL = pgettext_lazy("ledger", "LEVEL: %(value)s")
CLASS = pgettext_lazy("ledger", "Class:")
HOMEROOM_TEACHER = pgettext_lazy("ledger", "Homeroom teacher:")
SCHOOL_YEAR = pgettext_lazy("ledger", "SCHOOL YEAR %(value)s")

# --- the usage guide: (heading, paragraphs) in the form's order --------------------------------------
GUIDE_TITLE = pgettext_lazy("ledger", "GUIDE TO THE STUDENT MONITORING AND ASSESSMENT BOOK (BY CLASS)")
GUIDE = (
    (pgettext_lazy("ledger", "1. General provisions"), (
        pgettext_lazy("ledger", "The book (by class) is a record of the school's teaching and education: it follows "
                                "and records the assessment of the students of one class during one school year, "
                                "under Circular No. 22/2021/TT-BGDĐT."),
        pgettext_lazy("ledger", "The school keeps the book; the homeroom teacher and the subject teachers write in "
                                "it the parts they are assigned, fully and accurately."),
    )),
    (pgettext_lazy("ledger", "2. The homeroom teacher"), (
        pgettext_lazy("ledger", "Writes each student's record at the start of the year and the changes during the "
                                "year (transfers in and out, leaving school)."),
        pgettext_lazy("ledger", "Follows attendance every day: P for an excused absence, K for an unexcused one; "
                                "adds up the sessions absent at the end of each month."),
        pgettext_lazy("ledger", "Records the conduct results, sums up the learning and conduct results of each term "
                                "and of the year, the re-assessment and summer training results (if any) and "
                                "whether each student is promoted."),
    )),
    (pgettext_lazy("ledger", "3. The subject teachers"), (
        pgettext_lazy("ledger", "Record on their subject's pages the regular, mid-term and end-of-term assessments "
                                "and the term and year averages (subjects assessed by scores), or the levels Đ / CĐ "
                                "(subjects assessed by comments), and sign under them."),
    )),
    (pgettext_lazy("ledger", "4. The principal"), (
        pgettext_lazy("ledger", "Checks the book every month, writes a remark, signs and seals it on the principal's "
                                "page; approves the results at the end of each term and of the year."),
    )),
    (pgettext_lazy("ledger", "5. Corrections"), (
        pgettext_lazy("ledger", "On paper, a wrong entry is struck through in red ink, the right one written beside "
                                "it and the correction signed."),
        pgettext_lazy("ledger", "Scores are not corrected by hand in this book. A score changed after it was locked "
                                "shows the old value struck through in red and the new value beside it, with the "
                                "number of the approved correction listed at the end of the book."),
    )),
    (pgettext_lazy("ledger", "6. This printed copy of the electronic score book"), (
        pgettext_lazy("ledger", "This book is printed from the school's electronic score book. Each subject's scores "
                                "were entered by the subject teacher assigned to it; conduct, absences and remarks by "
                                "the homeroom teacher."),
        pgettext_lazy("ledger", "Abbreviations: ĐĐGtx regular assessment; ĐĐGgk mid-term assessment; ĐĐGck "
                                "end-of-term assessment; ĐTBmhk subject average of the term; ĐTBmcn subject average "
                                "of the year; Đ pass; CĐ not yet passed; P excused absence; K unexcused absence."),
        pgettext_lazy("ledger", "ĐTBmhk = (sum of ĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck) / (number of ĐĐGtx + 5); ĐTBmcn = "
                                "(ĐTBmhk I + 2 × ĐTBmhk II) / 3; each rounded to one decimal. An average stays empty "
                                "until every required assessment exists."),
        pgettext_lazy("ledger", "A student exempt from a subject has “Miễn” in its average; the subject leaves their "
                                "results. A student who joined or left during the year has the date in the note."),
    )),
)

# --- inner cover ---------------------------------------------------------------------------------
INNER_CLASS = pgettext_lazy("ledger", "CLASS %(value)s")
INNER_YEAR = pgettext_lazy("ledger", "School year:")
STUDENTS = pgettext_lazy("ledger", "Students:")
SUBJECT_TEACHERS = pgettext_lazy("ledger", "Subject teachers")
NO = pgettext_lazy("ledger", "No.")
FULL_NAME = pgettext_lazy("ledger", "Full name")
SUBJECT = pgettext_lazy("ledger", "Subject")
TEACHER = pgettext_lazy("ledger", "Teacher")
SIGNATURE = pgettext_lazy("ledger", "Signature")

# --- part I: student records and attendance --------------------------------------------------------
PART_ONE = pgettext_lazy("ledger", "PART I – STUDENT RECORDS AND ATTENDANCE")
RECORDS = pgettext_lazy("ledger", "STUDENT RECORDS")
RECORD_COLUMNS = (
    NO, FULL_NAME,
    pgettext_lazy("ledger", "Student code"), pgettext_lazy("ledger", "Date of birth"),
    pgettext_lazy("ledger", "Gender"), pgettext_lazy("ledger", "Ethnicity"),
    pgettext_lazy("ledger", "Priority group"), pgettext_lazy("ledger", "Place of birth"),
    pgettext_lazy("ledger", "Address"),
    pgettext_lazy("ledger", "Father (occupation, phone)"), pgettext_lazy("ledger", "Mother (occupation, phone)"),
    pgettext_lazy("ledger", "Guardian (occupation, phone)"), pgettext_lazy("ledger", "Parents' e-mail"),
    pgettext_lazy("ledger", "Changes during the year"),
)
ATTENDANCE = pgettext_lazy("ledger", "ATTENDANCE – %(value)s")
DAYS = pgettext_lazy("ledger", "Days of the month")
WEEKDAY = pgettext_lazy("ledger", "Weekday")
SUNDAY = pgettext_lazy("ledger", "Sun")  # the other days are numbered, Monday 2 … Saturday 7
ABSENT = pgettext_lazy("ledger", "Sessions absent")
EXCUSED = "P"
UNEXCUSED = "K"
TOTAL = pgettext_lazy("ledger", "Total")
NOTE = pgettext_lazy("ledger", "Note")
BY_DAY = pgettext_lazy("ledger", "Each day's absences come from the daily roll-call kept in the electronic book by "
                                 "the homeroom teacher (P excused, K unexcused); the totals are counted from them.")
ON_PAPER = pgettext_lazy("ledger", "The daily roll-call is ticked on paper; the electronic book keeps each month's "
                                   "totals, entered by the homeroom teacher.")

# --- part II: the scores of each term --------------------------------------------------------------
PART_TWO = pgettext_lazy("ledger", "PART II – SCORES OF %(value)s")
SUBJECT_PAGE = pgettext_lazy("ledger", "SUBJECT: %(value)s")
# The result columns after the assessments: the term's, in term II also term I's, the year's and the
# re-assessment in the summer.
TERM_AVERAGE = pgettext_lazy("ledger", "ĐTBmhk")
TERM1_AVERAGE = pgettext_lazy("ledger", "ĐTBmhk I")
YEAR_AVERAGE = pgettext_lazy("ledger", "ĐTBmcn")
REASSESSMENT = pgettext_lazy("ledger", "Re-assessment")
TERM_LEVEL = pgettext_lazy("ledger", "Term level")
TERM1_LEVEL = pgettext_lazy("ledger", "Term I level")
YEAR_LEVEL = pgettext_lazy("ledger", "Year level")
REASSESSED_LEVEL = pgettext_lazy("ledger", "Re-assessed level")
TERM_SUMMARY = pgettext_lazy("ledger", "SUMMARY OF THE ASSESSMENT RESULTS OF %(value)s")
YEAR_SUMMARY = pgettext_lazy("ledger", "SUMMARY OF THE ASSESSMENT RESULTS OF THE YEAR")

# --- the summary tables (templates/pdf/_summary_table.html, also the class summary table) -------------
BEFORE_SUMMER = pgettext_lazy("ledger", "Before the summer re-assessment and training")
AFTER_SUMMER = pgettext_lazy("ledger", "After the re-assessment or summer training")
REASSESSMENT_RESULTS = pgettext_lazy("ledger", "Re-assessment results")
TITLE_COLUMN = pgettext_lazy("ledger", "Title awarded")
AWARDS = pgettext_lazy("ledger", "Awards")
# The promotion column and totals: the form's words where the app's pages say it otherwise (code → label;
# gradebook.rules.tt22.Outcome values). The app's "Re-test" (Kiểm tra lại) is the form's "Đánh giá lại".
OUTCOMES = {"retest": REASSESSMENT}

# --- the principal's page: one row a month ------------------------------------------------------------
PRINCIPAL_PAGE = pgettext_lazy("ledger", "REMARKS OF THE PRINCIPAL")
MONTH = pgettext_lazy("ledger", "Month")
REMARK = pgettext_lazy("ledger", "Remarks")
SIGN_AND_SEAL = pgettext_lazy("ledger", "Signature and seal")

# --- signatures: the roles above the captions of templates/pdf/_signatures.html --------------------------------------------------------
HOMEROOM_ROLE = pgettext_lazy("ledger", "Homeroom teacher")
SUBJECT_TEACHER_ROLE = pgettext_lazy("ledger", "Subject teacher")
PRINCIPAL_ROLE = pgettext_lazy("ledger", "Principal")

# --- what the electronic book adds: the approved corrections -----------------------------------------
CORRECTIONS = pgettext_lazy("ledger", "LIST OF APPROVED SCORE CORRECTIONS")
CORRECTION_COLUMNS = (
    NO, pgettext_lazy("ledger", "Student"), SUBJECT, pgettext_lazy("ledger", "Term"), pgettext_lazy("ledger", "Column"),
    pgettext_lazy("ledger", "Old"), pgettext_lazy("ledger", "New"), pgettext_lazy("ledger", "Reason"),
    pgettext_lazy("ledger", "Requested by"), pgettext_lazy("ledger", "Approved by"),
    pgettext_lazy("ledger", "Approved on"),
)
NO_CORRECTION = pgettext_lazy("ledger", "No score of this class was corrected after it was locked.")
