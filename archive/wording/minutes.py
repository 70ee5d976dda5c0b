"""The wording of the minutes of a score correction (biên bản sửa dữ liệu, seed 000 art. 8.3).

templates/pdf/correction_minutes.html prints these: the administrative heading with the minutes' number,
the "place, day … month … year …" line, the title, the people present, the cells changed and the
signatures. A label with ``%(value)s`` is filled by the template's ``fill`` filter; a minutes of an older
decision without a number or a date prints the form's dotted blanks.
"""

from django.utils.translation import pgettext_lazy

NATION = pgettext_lazy("minutes", "SOCIALIST REPUBLIC OF VIETNAM")
MOTTO = pgettext_lazy("minutes", "Independence - Freedom - Happiness")
NUMBER = pgettext_lazy("minutes", "No.: %(value)s/BB-SĐ")
NUMBER_BLANK = pgettext_lazy("minutes", "No.: ……/BB-SĐ")
# "{place}, ngày 03 tháng 12 năm 2026": the date's parts as the administrative style writes them.
PLACE_DATE = pgettext_lazy("minutes", "%(place)s, day %(day)s month %(month)s year %(year)s")
PLACE_DATE_BLANK = pgettext_lazy("minutes", "……, day …… month …… year ……")
TITLE = pgettext_lazy("minutes", "MINUTES OF A SCORE CORRECTION")
# The people present (the sentences with several values stay in the template, as blocktrans).
PRINCIPAL = pgettext_lazy("minutes", "The principal")
DELEGATED_DECIDER = pgettext_lazy("minutes", "The vice principal deciding under the principal's delegation")
WITNESS = pgettext_lazy("minutes", "The admin board member present")
REQUESTER = pgettext_lazy("minutes", "The teacher who asked for the correction")
# The cells changed.
NO = pgettext_lazy("minutes", "No.")
STUDENT = pgettext_lazy("minutes", "Student")
COLUMN = pgettext_lazy("minutes", "Column")
OLD = pgettext_lazy("minutes", "Old value")
NEW = pgettext_lazy("minutes", "New value")
REASON = pgettext_lazy("minutes", "Reason")
EVIDENCE = pgettext_lazy("minutes", "Evidence")
DECISION_NOTE = pgettext_lazy("minutes", "Leadership's note")
# The signatures: each role with its caption.
TEACHER_ROLE = pgettext_lazy("minutes", "THE TEACHER")
BOARD_ROLE = pgettext_lazy("minutes", "THE ADMIN BOARD MEMBER")
PRINCIPAL_ROLE = pgettext_lazy("minutes", "THE PRINCIPAL")
DELEGATED_ROLE = pgettext_lazy("minutes", "THE VICE PRINCIPAL (DELEGATED)")
SIGN = pgettext_lazy("minutes", "(Signature and full name)")
SIGN_SEAL = pgettext_lazy("minutes", "(Signature, full name and seal)")


def number_line(number: int | None, year: str) -> str:
    """"Số: 3/2026-2027/BB-SĐ"; the dotted blank for minutes without a number."""
    return str(NUMBER) % {"value": f"{number}/{year}"} if number else str(NUMBER_BLANK)


def place_date_line(place: str, day) -> str:
    """"Trường THCS …, ngày 03 tháng 12 năm 2026" (a day below 10 and the months 1 and 2 with a leading
    zero, as administrative documents write them); the dotted blank for minutes without a date."""
    if day is None:
        return str(PLACE_DATE_BLANK)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return str(PLACE_DATE) % {"place": place or "……", "day": f"{day.day:02d}", "month": month, "year": day.year}
