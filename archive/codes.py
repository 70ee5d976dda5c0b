"""Verification codes: short, typed by hand from a printed page, unambiguous (no Django here).

Ten characters from an alphabet without the letters and digits people confuse on paper (0/O, 1/I/L,
U/V, 5/S is kept: distinct in the forms' sans font), about 49 bits: with the public page's rate limit,
guessing a code is out of reach. Shown as two groups of five; typed in any case, with or without the
dash or spaces.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 10
GROUP = 5


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """"ABCDE-FGHJK": how a code is printed and shown."""
    return "-".join(code[start:start + GROUP] for start in range(0, len(code), GROUP))


def normalise(typed: str) -> str | None:
    """The code someone typed, as stored; None when it cannot be one (wrong length or a letter not used)."""
    cleaned = "".join(typed.split()).replace("-", "").replace("–", "").upper()
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


LINK = re.compile(rf"/verify/([{ALPHABET}]{{{LENGTH}}})/")


def find_in(text: str) -> str | None:
    """The first code named in a verification link inside ``text`` (".../verify/ABCDEFGHJK/"), if any."""
    found = LINK.search(text)
    return found.group(1) if found else None
