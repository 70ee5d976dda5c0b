"""The year rollover planner: where each class and each student of a school year goes next year.

Pure (no Django): plain values in, a plan out. The services read the year's classes and the
students' year outcomes, ask this module for the plan, show it as the preview, and carry it out.

A class's successor is named by the school's pattern: the leading grade number is replaced
(6A1 → 7A1, 10A2 → 11A2). Promoted students go to their class's successor; repeaters stay in
their grade, in the new year's class of the same name (the successor of last year's class one
grade below, or a new one); the final grade's promoted students complete the programme; students
who left or transferred are not carried. A student waiting for a re-test, for the summer
training or for their results needs the board's decision; until then the plan keeps them in their
grade (a repeater's place), since they are not promoted yet.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from schoolrecords.purei18n import gettext_noop

MSG_TARGET_HAS_CLASSES = gettext_noop(
    "School year %(year)s already has classes: the rollover only fills an empty year."
)
MSG_PLACED_TWICE = gettext_noop(
    "%(name)s (%(code)s) is studying in two classes (%(classes)s): end one of the enrolments first."
)
MSG_NAME_PATTERN = gettext_noop(
    "Class %(name)s does not begin with its grade number %(grade)s, so its class next year cannot be named."
)
MSG_GRADE_OUTSIDE = gettext_noop(
    "Class %(name)s is in grade %(grade)s, outside the school's grades %(first)s to %(final)s."
)
MSG_UNKNOWN_CLASS = gettext_noop("%(name)s (%(code)s) is enrolled in a class that is not in the year: %(class)s.")


class YearOutcome(StrEnum):
    """How a student's year ended, as the rollover reads it."""

    PROMOTED = "promoted"  # lên lớp (primary: hoàn thành chương trình lớp học)
    REPEATS = "repeats"  # ở lại lớp
    COMPLETED = "completed"  # completed the school's programme (the final grade, promoted)
    PENDING_RETEST = "pending_retest"  # kiểm tra lại, no result yet
    PENDING_SUMMER = "pending_summer"  # rèn luyện trong hè, not re-assessed yet
    PENDING_RESULTS = "pending_results"  # the year's results are not complete
    LEFT = "left"  # thôi học
    TRANSFERRED = "transferred"  # chuyển trường

    @property
    def pending(self) -> bool:
        return self in PENDING


PENDING = frozenset({YearOutcome.PENDING_RETEST, YearOutcome.PENDING_SUMMER, YearOutcome.PENDING_RESULTS})


class MoveKind(StrEnum):
    NEXT_GRADE = "next_grade"  # to the class's successor
    SAME_GRADE = "same_grade"  # stays in the grade (repeats, or waits for a decision)
    COMPLETED = "completed"  # leaves having completed the programme
    NOT_CARRIED = "not_carried"  # left or transferred during the year


@dataclass(frozen=True)
class ClassIn:
    name: str
    grade: int


@dataclass(frozen=True)
class StudentIn:
    code: str
    name: str
    class_name: str
    outcome: YearOutcome


@dataclass(frozen=True)
class NewClass:
    name: str
    grade: int
    # Last year's class whose homeroom teacher and teaching assignments it takes over (as drafts):
    # the class it succeeds, or None for a new class of the first grade.
    source: str | None


@dataclass(frozen=True)
class Move:
    code: str
    name: str
    from_class: str
    outcome: YearOutcome
    kind: MoveKind
    to_class: str | None  # the new year's class, None when not placed

    @property
    def needs_decision(self) -> bool:
        return self.outcome.pending


@dataclass(frozen=True)
class Problem:
    """One reason the plan cannot be carried out: an English catalogue message and its values."""

    message: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    classes: tuple[NewClass, ...]
    moves: tuple[Move, ...]
    errors: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def decisions(self) -> tuple[Move, ...]:
        """The students who need the board's decision before they are placed for good."""
        return tuple(move for move in self.moves if move.needs_decision)

    def placed_in(self, class_name: str) -> tuple[Move, ...]:
        return tuple(move for move in self.moves if move.to_class == class_name)

    def counts(self) -> dict[MoveKind, int]:
        return {kind: sum(1 for move in self.moves if move.kind is kind) for kind in MoveKind}


def successor_name(name: str, grade: int, new_grade: int) -> str | None:
    """The class's name in ``new_grade`` by the school's pattern, or None when it does not follow it.

    "6A1" (grade 6) → "7A1"; "10A2" → "11A2". The grade must be the whole leading number: "61" in
    grade 6 does not follow the pattern ("6" then "1" would be read as grade 61).
    """
    prefix = str(grade)
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix):]
    if not rest or rest[0].isdigit():
        return None
    return f"{new_grade}{rest}"


def plan(*, classes: list[ClassIn], students: list[StudentIn], first_grade: int, final_grade: int,
         target_year: str = "", target_has_classes: bool = False) -> Plan:
    """The plan of the rollover of one year's ``classes`` and ``students`` into the next year.

    ``students`` holds one row per studying enrolment (a student twice is an error) and one per
    student who left or transferred (outcome LEFT or TRANSFERRED).
    """
    errors: list[Problem] = []
    if target_has_classes:
        errors.append(Problem(MSG_TARGET_HAS_CLASSES, {"year": target_year}))
    by_name = {c.name: c for c in classes}

    new: dict[str, NewClass] = {}
    successor: dict[str, str] = {}

    def add(new_class: NewClass) -> None:
        # Names are unique in a year and a successor's name starts with its grade, so two classes never
        # claim one name: the first to ask for it (a successor before a repeaters' class) keeps it.
        new.setdefault(new_class.name, new_class)

    for school_class in sorted(classes, key=lambda c: (c.grade, c.name)):
        if not first_grade <= school_class.grade <= final_grade:
            errors.append(Problem(MSG_GRADE_OUTSIDE, {"name": school_class.name, "grade": school_class.grade,
                                                      "first": first_grade, "final": final_grade}))
            continue
        if school_class.grade == first_grade:
            # The first grade's classes start again, for the newcomers and the repeaters.
            add(NewClass(school_class.name, school_class.grade, None))
        if school_class.grade < final_grade:
            name = successor_name(school_class.name, school_class.grade, school_class.grade + 1)
            if name is None:
                errors.append(Problem(MSG_NAME_PATTERN, {"name": school_class.name, "grade": school_class.grade}))
                continue
            successor[school_class.name] = name
            add(NewClass(name, school_class.grade + 1, school_class.name))

    studying: dict[str, list[StudentIn]] = {}
    for student in students:
        if student.outcome not in (YearOutcome.LEFT, YearOutcome.TRANSFERRED):
            studying.setdefault(student.code, []).append(student)
    for code, rows in studying.items():
        if len(rows) > 1:
            errors.append(Problem(MSG_PLACED_TWICE, {"name": rows[0].name, "code": code,
                                                     "classes": ", ".join(sorted(r.class_name for r in rows))}))

    moves: list[Move] = []
    seen: set[str] = set()
    for student in sorted(students, key=lambda s: (by_name[s.class_name].grade if s.class_name in by_name else 0,
                                                   s.class_name, s.code)):
        if student.code in seen:
            continue
        if student.outcome in (YearOutcome.LEFT, YearOutcome.TRANSFERRED):
            if student.code in studying:  # they also study elsewhere this year: that row decides
                continue
            seen.add(student.code)
            moves.append(Move(student.code, student.name, student.class_name, student.outcome,
                              MoveKind.NOT_CARRIED, None))
            continue
        seen.add(student.code)
        school_class = by_name.get(student.class_name)
        if school_class is None:
            errors.append(Problem(MSG_UNKNOWN_CLASS, {"name": student.name, "code": student.code,
                                                      "class": student.class_name}))
            continue
        moves.append(_move(student, school_class, final_grade, successor, add))
    return Plan(classes=tuple(sorted(new.values(), key=lambda c: (c.grade, c.name))), moves=tuple(moves),
                errors=tuple(errors))


def _move(student: StudentIn, school_class: ClassIn, final_grade: int, successor: dict[str, str],
          add: Callable[[NewClass], None]) -> Move:
    outcome = student.outcome
    final = school_class.grade == final_grade
    if outcome in (YearOutcome.PROMOTED, YearOutcome.COMPLETED):
        if final:
            return Move(student.code, student.name, school_class.name, YearOutcome.COMPLETED, MoveKind.COMPLETED, None)
        target = successor.get(school_class.name)
        if target is not None:
            return Move(student.code, student.name, school_class.name, outcome, MoveKind.NEXT_GRADE, target)
        # The class's name does not follow the pattern (an error already): the student stays unplaced.
        return Move(student.code, student.name, school_class.name, outcome, MoveKind.NEXT_GRADE, None)
    # Repeaters, and those waiting for a decision, keep their grade in the class of the same name.
    add(NewClass(school_class.name, school_class.grade, None))
    return Move(student.code, student.name, school_class.name, outcome, MoveKind.SAME_GRADE, school_class.name)
