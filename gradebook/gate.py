"""The term's gate: score saves pass it together, changes of what they may write pass it alone.

Every score save passes its term's gate shared, until its transaction ends, before it reads the
approvals, windows and locks (gradebook.entry). Whatever changes what a save may write passes
the same gate alone: creating, closing or reopening a window, a column lock, the principal's
book lock, the approval of a class's results. Saves (a whole school's, in the deadline rush)
therefore do not wait for each other, while a save racing any of those changes either commits
before it does, or waits for it and then reads the new state and is refused: never a save after
a close or a lock.

Every save or delete of a window or a lock bumps the term's rules version (gradebook.models.TermRules;
gradebook.receivers, in the change's transaction, which holds the gate alone): a save reads the version
after the gate and keeps the windows and locks in the cache under it, so a change is seen by the very
next save, whichever process serves it. Passing the gate writes nothing itself: a change refused after
it (no permission) leaves the database as it was.
"""

import secrets

from django.db import connection

from schoolrecords import models as sm

from .models import TermRules

# The first key of gradebook's advisory locks on PostgreSQL; the term's id is the second.
_GATE_NAMESPACE = 7201


def pass_term_gate(term_id: int, *, exclusive: bool = False) -> None:
    """Hold the term's gate until the transaction ends: shared for a score save, alone for a change of the rules.

    On PostgreSQL a transaction-level advisory lock: shared holders write nothing, where a
    ``FOR SHARE`` row lock taken by many saves at once rewrites the row's list of lockers each
    time. It is a statement of its own, so the save's next reads see what a change it waited for
    committed. Elsewhere, the term's row locked for update (SQLite serialises writers anyway).
    """
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [_GATE_NAMESPACE, term_id])
    else:
        sm.Term.objects.select_for_update().filter(pk=term_id).exists()


def bump_rules(term_id: int) -> None:
    """A new version of the term's entry rules, in the caller's transaction (one query, PostgreSQL and SQLite).

    A random one, not a count: a rolled-back change or a database restored from a backup never
    brings back a version under which other rules were cached.
    """
    table = connection.ops.quote_name(TermRules._meta.db_table)
    version = secrets.randbits(62) + 1
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (term_id, version) VALUES (%s, %s) "  # noqa: S608 (names, not input)
                       "ON CONFLICT (term_id) DO UPDATE SET version = excluded.version", [term_id, version])
