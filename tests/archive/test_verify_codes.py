"""Verification codes (archive.codes): short, unambiguous, typed in any case with or without the dash. No database."""

import pytest

from archive import codes


def test_a_new_code_has_ten_characters_of_the_unambiguous_alphabet_and_codes_differ():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert len(code) == codes.LENGTH == 10
        assert set(code) <= set(codes.ALPHABET)
    assert not set("01IOLU") & set(codes.ALPHABET)


@pytest.mark.parametrize(("typed", "expected"), [
    ("ABCDE-FGHJK", "ABCDEFGHJK"),
    ("abcde fghjk", "ABCDEFGHJK"),
    ("  AbCdEfGhJk ", "ABCDEFGHJK"),
    ("ABCDE–FGHJK", "ABCDEFGHJK"),  # an en dash, as a word processor turns a typed dash
    ("ABCDE-FGHJ", None),  # too short
    ("ABCDE-FGHJKK", None),  # too long
    ("ABCDE-FGHJ0", None),  # 0 is never used
    ("ABCDE-FGHIK", None),  # I is never used
    ("", None),
    ("<script>", None),
])
def test_a_typed_code_is_normalised_or_refused(typed, expected):
    assert codes.normalise(typed) == expected


def test_a_code_is_shown_in_two_groups_of_five():
    assert codes.display("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_the_code_of_a_verification_link_is_found_in_text():
    assert codes.find_in("<< /URI (https://school.example/verify/ABCDEFGHJK/) >>") == "ABCDEFGHJK"
    assert codes.find_in("/verify/ABCDEFGHJ0/") is None
    assert codes.find_in("nothing here") is None
