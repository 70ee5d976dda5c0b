"""The wording of the printed forms, one module per form (TT22's appendix, as the Ministry words it).

Each module holds every label its template prints, lazily translated (English in code, Vietnamese in the
catalogue), so a Sở's variant of a form is a change in one module. Templates read them through
``{% form_wording "ledger" as w %}`` (archive/templatetags/wording.py); the học bạ (archive/wording/hocba.py)
groups its labels by page and is read through ``{% hocba_wording school as w %}``
(archive/templatetags/hocba_form.py), which fills in the school's level.
"""
