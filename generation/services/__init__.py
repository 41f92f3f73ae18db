"""Writes of the generation gate, one module per journey: submit a request (and decide it) or
check one, sign off and queue, run, and erase a performer's mentions.

Every decision, sign-off and state change that matters is a ledger entry written in the same
transaction as the record. Callers import from here (`from generation import services as gs`).
"""

from .checks import MAX_INPUTS, checked_request
from .disclosure import disclosure_decide, disclosure_default_of
from .erasure import talent_mentions_erase
from .gate import (
    DECISION_ENTRY_TYPES,
    WORKER,
    decision_record,
    gate_outcome,
    stored_request_outcome,
)
from .queueing import (
    NOT_QUEUEABLE,
    request_queue,
    request_reap_stale,
    request_requeue_stranded,
    request_retry,
    request_sign_off,
)
from .run import request_run
from .submit import request_check, request_submit

__all__ = [
    "DECISION_ENTRY_TYPES",
    "MAX_INPUTS",
    "NOT_QUEUEABLE",
    "WORKER",
    "checked_request",
    "decision_record",
    "disclosure_decide",
    "disclosure_default_of",
    "gate_outcome",
    "request_check",
    "request_queue",
    "request_reap_stale",
    "request_requeue_stranded",
    "request_retry",
    "request_run",
    "request_sign_off",
    "request_submit",
    "stored_request_outcome",
    "talent_mentions_erase",
]
