"""The học bạ's wording (archive.wording.hocba) for the report card templates.

{% hocba_wording school as w %} gives the form's labels, with the school's level filled in;
{% hocba_corrected_line year %} prints "Trong trang này có sửa chữa ở … chỗ, thuộc các môn: …".
"""

from types import SimpleNamespace

from django import template

from archive.wording import hocba

register = template.Library()


@register.simple_tag
def hocba_wording(school=None) -> SimpleNamespace:
    code = getattr(school, "level_code", "") or "lower_secondary"
    short = hocba.LEVEL_SHORT.get(code, "")
    return SimpleNamespace(cover=hocba.COVER, guide_title=hocba.GUIDE_TITLE, guide=hocba.GUIDE,
                           particulars=hocba.PARTICULARS, subjects=hocba.SUBJECTS, summary=hocba.SUMMARY,
                           blank_year=hocba.BLANK_YEAR, level_title=hocba.LEVEL_TITLES.get(code, ""),
                           completion=hocba.SUMMARY.completion % {"level": short})


@register.simple_tag
def hocba_corrected_line(year=None) -> str:
    """The foot of a year's subject page, from its approved corrections (a blank year: dotted blanks)."""
    if year is None:
        return hocba.SUBJECTS.corrected % {"count": "……", "subjects": "……………………"}
    subjects = ", ".join(year.corrected_subjects) or hocba.SUBJECTS.none
    return hocba.SUBJECTS.corrected % {"count": len(year.corrections), "subjects": subjects}


@register.simple_tag
def hocba_blank_heading(heading: str) -> str:
    return hocba.BLANK_YEAR.heading % {"heading": heading}
