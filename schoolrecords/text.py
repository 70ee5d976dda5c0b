"""Text rules with no Django in them: alphabetical order of Vietnamese names, spreadsheet-safe cells."""

import re
import unicodedata

# A text cell starting with one of these is read as a formula by spreadsheets (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

# The Vietnamese alphabet: ă and â sort after a, đ after d, ê after e, ô and ơ after o, ư after u.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tone marks decide order only between otherwise equal words: none, grave, hook, tilde, acute, dot.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _split(char: str) -> tuple[str, int]:
    """A character's letter (with breve/circumflex/horn kept) and its tone rank."""
    decomposed = unicodedata.normalize("NFD", char.lower())
    base = "".join(c for c in decomposed if not unicodedata.combining(c) or c in _LETTER_MARKS)
    tone = next((_TONES[c] for c in decomposed if c in _TONES), 0)
    return unicodedata.normalize("NFC", base), tone


def vietnamese_sort_key(text: str) -> tuple:
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", text.strip()):
        letter, tone = _split(char)
        letters.append(_RANK.get(letter, 100 + ord(letter[0]) if letter else 0))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def safe_cell(text: str) -> str:
    """Text that a spreadsheet shows as text: a leading = + - @ (or tab, line break) gets an apostrophe.

    The one rule for every .xlsx and CSV the site writes (the grid export, the archive's snapshots
    and manifests), so "=HYPERLINK(…)" typed as a name comes out as a name, never as a formula.
    """
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


CLASS_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


def is_class_name(name: str) -> bool:
    """A class's name has ASCII letters, digits, "." and "-" only (6A1, 10.2, 12-CLC): it goes into file
    and folder names (the archive's zips, the downloads) and must mean the same everywhere."""
    return bool(name) and all(ch in CLASS_NAME_CHARACTERS for ch in name)


def ascii_part(text: str, *, keep: str = "") -> str:
    """One part of a download's or a zip member's name: ASCII letters, digits, "." and "-" only.

    Anything else (spaces, slashes, Vietnamese letters, "..") becomes "-", so a name can never
    leave its folder or surprise a program that unpacks it. ``keep``: more characters to keep ("_").
    """
    part = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-." + keep) else "-" for ch in text)
    return part.strip(".") or "-"



# What a file's name may end in, by the type its content was found to be (never by its name).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def extensions_of(content_type: str) -> tuple[str, ...]:
    return EXTENSIONS.get(content_type, ())


def name_matches_type(name: str, content_type: str) -> bool:
    """Does ``name`` end in an extension of the type its content is (a PDF named .hta does not)?"""
    return name.lower().endswith(extensions_of(content_type))


def download_name(name: str, content_type: str) -> str:
    """The name a file downloads under: ``name`` if it ends in its type's extension, else its stem with it.

    A browser or a desktop opens a downloaded file by its extension: a PDF never goes out as .hta,
    .js or .html, whatever name it was uploaded with.
    """
    extensions = extensions_of(content_type)
    if not extensions or name.lower().endswith(extensions):
        return name
    stem, dot, _suffix = name.rpartition(".")
    return (stem if dot and stem else name) + extensions[0]


PHONE_TYPED = re.compile(r"[+\d\s.\-()]{8,20}")  # what a typed phone number looks like, spaces and all
_PHONE = re.compile(r"0\d{9,10}")


def phone_digits(text: str) -> str | None:
    """A Vietnamese phone number as its ten or eleven digits starting with 0 ('+84 912 345 678' → '0912345678'),
    or None when ``text`` is not one."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.fullmatch(digits) else None


def login_key(typed: str) -> str:
    """The one spelling of a login name that the log-in's failure counts use: a phone number as its digits and
    an e-mail address in lower case, since a parent logs in with either in any usual spelling (families.auth),
    and every spelling of one account must count against the same limit. Anything else as typed."""
    typed = typed.strip()
    if "@" in typed:
        return typed.lower()
    if PHONE_TYPED.fullmatch(typed):
        return phone_digits(typed) or typed
    return typed
