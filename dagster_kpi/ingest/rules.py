"""Row rules: conditions across columns that make a record break the contract.

Each condition is SQL over the parsed canonical columns and is true when the
row breaks the rule; `column` is the column the quarantine row names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowRule:
    reason: str
    column: str
    condition: str


ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "calls": (
        RowRule("answered_before_offered", "answered_at", "answered_at < offered_at"),
        RowRule("ended_before_offered", "ended_at", "ended_at < offered_at"),
        RowRule("answered_without_agent", "answered_at", "outcome = 'answered' AND answered_at IS NULL"),
        RowRule("answered_without_agent", "agent_id", "outcome = 'answered' AND agent_id IS NULL"),
    ),
    "tickets": (
        RowRule("first_response_before_created", "first_response_at", "first_response_at < created_at"),
        RowRule("transferred_before_created", "transferred_at", "transferred_at < created_at"),
        RowRule("resolved_before_created", "resolved_at", "resolved_at < created_at"),
    ),
    "complaints": (RowRule("resolved_before_received", "resolved_at", "resolved_at < received_at"),),
}
