"""A column pasted from a spreadsheet, laid onto the students in order (pure: no database)."""

import pytest

from gradebook.rules.remarks import (
    MSG_FEWER_LINES,
    MSG_MORE_LINES,
    MSG_NOTHING,
    MSG_WIDER,
    paste_column,
    split_cells,
)


@pytest.mark.parametrize(("text", "students", "texts"), [
    ("Tốt\nKhá\nCần cố gắng\n", 3, ("Tốt", "Khá", "Cần cố gắng")),  # the spreadsheet's final line break
    ("Tốt\r\nKhá\r\n", 2, ("Tốt", "Khá")),  # Windows line ends
    ("Tốt\n\nKhá", 3, ("Tốt", "", "Khá")),  # an empty cell clears that student's box
    ('"Tiến bộ,\nchăm chỉ"\nKhá', 2, ("Tiến bộ, chăm chỉ", "Khá")),  # a quoted cell with a line break
    ('"Nói ""rất"" tốt"', 1, ('Nói "rất" tốt',)),  # doubled quotes inside a quoted cell
    ("  Tốt   lắm  \n", 1, ("Tốt lắm",)),  # spaces trimmed and squeezed
    ("Tốt\tx\tNote\nKhá\ty", 2, ("Tốt", "Khá")),  # the first column of a wider block
])
def test_a_pasted_column_is_read_the_way_the_spreadsheet_wrote_it(text, students, texts):
    assert paste_column(text, students).texts == texts


def test_a_column_matching_the_list_says_nothing():
    assert paste_column("A\nB\nC", 3).messages == []


def test_fewer_lines_than_students_leave_the_last_students_as_they_were():
    pasted = paste_column("A\nB", 4)
    assert pasted.texts == ("A", "B")
    [message] = pasted.messages
    assert message.message == MSG_FEWER_LINES and message.params == {"lines": 2, "students": 4, "missing": 2}
    assert message.text(lambda m: m) == "2 lines pasted for 4 students: the last 2 students are left as they were."


def test_more_lines_than_students_drop_the_extra_lines_and_say_so():
    pasted = paste_column("A\nB\nC\nD\nE", 3)
    assert pasted.texts == ("A", "B", "C")
    [message] = pasted.messages
    assert message.message == MSG_MORE_LINES and message.params["extra"] == 2


def test_a_wider_block_says_only_the_first_column_is_used():
    messages = paste_column("A\t1\nB\t2", 2).messages
    assert [m.message for m in messages] == [MSG_WIDER] and messages[0].params == {"columns": 2}


@pytest.mark.parametrize("text", ["", "\n", "   \n  "])
def test_nothing_pasted_is_said(text):
    pasted = paste_column(text, 5)
    assert pasted.texts == () and [m.message for m in pasted.messages] == [MSG_NOTHING]
    assert split_cells(text) == []
