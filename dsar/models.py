"""The request and task state machines: which event moves a case (or a task) from which
state to which. Everything else asks `next_state` and never sets a state directly."""

from __future__ import annotations

from typing import Literal, get_args

CaseState = Literal["received", "verifying", "awaiting_approval", "approved", "denied",
                    "in_progress", "completed", "failed", "cancelled"]
CASE_STATES: tuple[CaseState, ...] = get_args(CaseState)
TERMINAL: frozenset[CaseState] = frozenset({"denied", "completed", "cancelled"})
OPEN: frozenset[CaseState] = frozenset(CASE_STATES) - TERMINAL

CaseEvent = Literal["send_code", "verify", "approve", "deny", "start", "complete", "fail",
                    "retry", "cancel", "revoke", "extend"]

_PRE_EXECUTION: tuple[CaseState, ...] = ("received", "verifying", "awaiting_approval",
                                         "approved")
_TRANSITIONS: dict[tuple[CaseState, str], CaseState] = {
    ("received", "send_code"): "verifying",
    ("verifying", "send_code"): "verifying",  # a new code replaces the old one
    ("received", "verify"): "awaiting_approval",
    ("verifying", "verify"): "awaiting_approval",
    ("awaiting_approval", "approve"): "approved",
    **{(state, "deny"): "denied" for state in ("received", "verifying", "awaiting_approval")},
    ("approved", "start"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("in_progress", "fail"): "failed",
    ("failed", "retry"): "approved",
    # Cancelled by the controller, or revoked (withdrawn) by the subject, before execution.
    **{(state, "cancel"): "cancelled" for state in (*_PRE_EXECUTION, "failed")},
    **{(state, "revoke"): "cancelled" for state in _PRE_EXECUTION},
    # An extension changes the deadline, not the state.
    **{(state, "extend"): state for state in OPEN},
}

TaskState = Literal["pending", "running", "done", "failed", "cancelled"]
TASK_STATES: tuple[TaskState, ...] = get_args(TaskState)


class TransitionError(ValueError):
    """An event the case's current state does not allow."""

    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"cannot {event.replace('_', ' ')} a request that is "
                         f"{state.replace('_', ' ')}")
        self.state = state
        self.event = event


def next_state(state: CaseState, event: CaseEvent) -> CaseState:
    try:
        return _TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionError(state, event) from None


def allowed_events(state: CaseState) -> list[str]:
    return sorted(event for (source, event) in _TRANSITIONS if source == state)
