"""The order of signatures on a document: which stage is open, and may this person sign at it now. No Django.

A plan is the tuple of roles in order (a school setting per kind of document; these are the
defaults, after CV 1396/BGDĐT-GDTH for the học bạ). The subject teachers' stage is parallel: it is
done when every subject teacher of the class has signed, in any order; every other stage is done
with one signature. A stage opens when the ones before it are done.
"""

from collections.abc import Mapping, Set
from dataclasses import dataclass

SUBJECT_TEACHERS, HOMEROOM, PRINCIPAL, SEAL = "subject_teachers", "homeroom", "principal", "seal"

DEFAULT_PLANS: dict[str, tuple[str, ...]] = {
    "report_card": (SUBJECT_TEACHERS, HOMEROOM, PRINCIPAL, SEAL),
    "ledger": (HOMEROOM, PRINCIPAL, SEAL),
    "summary": (HOMEROOM, PRINCIPAL, SEAL),
    # the primary học bạ and the class summary table (TT27): signed as their secondary twins
    "primary_card": (SUBJECT_TEACHERS, HOMEROOM, PRINCIPAL, SEAL),
    "primary_summary": (HOMEROOM, PRINCIPAL, SEAL),
}


@dataclass(frozen=True)
class Progress:
    """Where a document stands: the stages done, the open one (None: fully signed), who still has to sign there."""

    done: tuple[str, ...]
    open_stage: str | None
    waiting_teachers: frozenset[int]

    @property
    def complete(self) -> bool:
        return self.open_stage is None


def _stage_done(role: str, signed: Mapping[str, Set[int]], subject_teachers: Set[int]) -> bool:
    if role == SUBJECT_TEACHERS:
        return set(subject_teachers) <= set(signed.get(role, ()))
    return bool(signed.get(role))


def progress(plan: tuple[str, ...], signed: Mapping[str, Set[int]], subject_teachers: Set[int]) -> Progress:
    """``signed``: the ids of who signed at each role; ``subject_teachers``: the ids of the class's subject teachers."""
    done = []
    for role in plan:
        if not _stage_done(role, signed, subject_teachers):
            waiting = frozenset(set(subject_teachers) - set(signed.get(role, ()))) if role == SUBJECT_TEACHERS \
                else frozenset()
            return Progress(tuple(done), role, waiting)
        done.append(role)
    return Progress(tuple(done), None, frozenset())


def refusal(plan: tuple[str, ...], signed: Mapping[str, Set[int]], subject_teachers: Set[int], *, role: str,
            signer_id: int, entitled: bool) -> str | None:
    """Why ``signer_id`` may not sign at ``role`` now (a code), or None when they may.

    ``entitled``: they hold the role for this document (teach the class, are its homeroom teacher, the
    principal, keep the seal). Codes: not_in_plan, not_entitled, complete, already_signed, out_of_order.
    """
    if role not in plan:
        return "not_in_plan"
    if not entitled:
        return "not_entitled"
    state = progress(plan, signed, subject_teachers)
    if state.complete:
        return "complete"
    if signer_id in signed.get(role, ()) or (role != SUBJECT_TEACHERS and plan.index(role) < plan.index(
            state.open_stage)):
        return "already_signed"
    if role != state.open_stage:
        return "out_of_order"
    return None
