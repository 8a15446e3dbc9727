"""Staged actions: what a biller has decided but not yet committed.

The console keeps a ``Staging`` of actions (exempt, override, edit, park, approve,
note, assign) while the biller works. Nothing is stored until commit, so ``u``
can drop the last one and ``U`` every one on a claim. Meanwhile the claim view
shows ``Workspace.preview``: the claim rebuilt with its stored decisions plus the
staged ones, never saved. ``commit`` then applies each action through the
``Workspace`` operation a person would call, in the order they were staged; each
writes its decision and audit event in its own transaction, and an action that
fails (the claim changed meanwhile) is reported without stopping the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from claimtui.model import ClaimStatus, Decision
from claimtui.review.views import ReviewError

if TYPE_CHECKING:
    from claimtui.review.workspace import Workspace

ActionKind = Literal["exempt", "override", "edit", "park", "approve", "note", "assign"]

BUILD_ACTIONS = frozenset({"exempt", "override", "edit"})
"""Staged kinds that change how the claim is built."""

ACTION_TITLES = {
    "exempt": "exempt rule",
    "override": "override value",
    "edit": "edit field",
    "park": "park",
    "approve": "approve",
    "note": "note",
    "assign": "assign",
}
"""How each kind is named in the commit summary."""


@dataclass(frozen=True)
class StagedAction:
    """One action on one claim, waiting for commit."""

    claim_id: int
    """The claim it acts on."""
    kind: ActionKind
    """What it does."""
    reason: str
    """Why (the note for park, approve and note; may be empty for assign)."""
    rule_id: str = ""
    """The rule exempted or overridden."""
    path: str = ""
    """Model path for override and edit, e.g. ``claim.frequency_code``."""
    value: Any = None
    """The value set by override or edit; the user for assign."""
    batch: int = 0
    """Bulk actions staged together share a batch number; 0 for a single one."""

    def describe(self) -> str:
        """One line for lists and messages, e.g. ``exempt rule MI-04``."""
        title = ACTION_TITLES[self.kind]
        if self.kind == "exempt":
            return f"{title} {self.rule_id}"
        if self.kind in ("override", "edit"):
            return f"{title} {self.path} = {self.value!r}"
        if self.kind == "assign":
            return f"{title} to {self.value or 'nobody'}"
        return title


@dataclass(frozen=True)
class StagingSummary:
    """What a commit would do, for the confirmation dialog."""

    actions: int
    claims: int
    kinds: list[tuple[str, int]]
    """(kind title, how many), most frequent first."""
    reasons: list[tuple[str, int]]
    """(reason, how many actions give it), most frequent first."""


@dataclass
class CommitReport:
    """What a commit did."""

    applied: int = 0
    claims: set[int] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    """One line per action that could not be applied, naming the claim."""


class Staging:
    """Actions staged across claims, in the order they were staged."""

    def __init__(self) -> None:
        self.actions: list[StagedAction] = []
        self._batches = 0

    def __len__(self) -> int:
        return len(self.actions)

    def stage(self, action: StagedAction) -> None:
        """Add ``action`` after those already staged."""
        self.actions.append(action)

    def stage_many(self, actions: Iterable[StagedAction]) -> int:
        """Add several actions as one batch (a bulk action); returns how many.

        ``undo_last`` drops a batch as a whole.
        """
        self._batches += 1
        batch = [replace(action, batch=self._batches) for action in actions]
        self.actions.extend(batch)
        return len(batch)

    def for_claim(self, claim_id: int) -> list[StagedAction]:
        """The claim's staged actions, oldest first."""
        return [action for action in self.actions if action.claim_id == claim_id]

    def claims(self) -> set[int]:
        """Ids of the claims with staged actions."""
        return {action.claim_id for action in self.actions}

    def undo_last(self, claim_id: int | None = None) -> StagedAction | None:
        """Drop the newest action on ``claim_id``; None if there is none.

        Without a claim, drop the newest action, or the newest bulk batch whole.
        Returns the action dropped (one of the batch).
        """
        for index in range(len(self.actions) - 1, -1, -1):
            if claim_id is None or self.actions[index].claim_id == claim_id:
                dropped = self.actions.pop(index)
                if claim_id is None and dropped.batch:
                    self.actions = [
                        action
                        for action in self.actions
                        if action.batch != dropped.batch
                    ]
                return dropped
        return None

    def undo_claim(self, claim_id: int) -> int:
        """Drop every action on the claim; returns how many were dropped."""
        kept = [action for action in self.actions if action.claim_id != claim_id]
        dropped = len(self.actions) - len(kept)
        self.actions = kept
        return dropped

    def clear(self) -> None:
        """Forget every staged action."""
        self.actions.clear()

    def summary(self) -> StagingSummary:
        """Counts by kind and by reason, for the commit dialog."""
        kinds = Counter(ACTION_TITLES[action.kind] for action in self.actions)
        reasons = Counter(action.reason for action in self.actions if action.reason)
        return StagingSummary(
            actions=len(self.actions),
            claims=len(self.claims()),
            kinds=kinds.most_common(),
            reasons=reasons.most_common(),
        )


def as_decisions(actions: Sequence[StagedAction], user: str) -> list[Decision]:
    """The staged actions that change the build, as the engine takes decisions."""
    now = dt.datetime.now(dt.UTC)
    return [
        Decision(
            kind=action.kind,
            rule_id=action.rule_id,
            path=action.path,
            value=action.value,
            reason=action.reason,
            user=user,
            at=now,
        )
        for action in actions
        if action.kind in BUILD_ACTIONS
    ]


def previewed_status(built: str, actions: Sequence[StagedAction]) -> str:
    """The status the claim would have once ``actions`` are committed."""
    status = built
    for action in actions:
        if action.kind == "park" and status != ClaimStatus.EXPORTED.value:
            status = ClaimStatus.PARKED.value
        elif action.kind == "approve" and status == ClaimStatus.REVIEW.value:
            status = ClaimStatus.READY.value
    return status


def _apply(workspace: Workspace, action: StagedAction) -> None:
    claim_id = action.claim_id
    match action.kind:
        case "exempt":
            workspace.exempt(claim_id, action.rule_id, action.reason)
        case "override":
            workspace.override(
                claim_id, action.path, action.value, action.reason, action.rule_id
            )
        case "edit":
            workspace.edit(claim_id, action.path, action.value, action.reason)
        case "park":
            workspace.park(claim_id, action.reason)
        case "approve":
            workspace.approve(claim_id, action.reason)
        case "note":
            workspace.note(claim_id, action.reason)
        case "assign":
            workspace.assign(claim_id, str(action.value or ""))


def commit(
    workspace: Workspace,
    actions: Sequence[StagedAction],
    progress: Callable[[int, int], None] | None = None,
) -> CommitReport:
    """Apply ``actions`` in order through ``workspace``; report what happened.

    ``progress(done, total)`` is called after each action, for a progress bar.
    """
    report = CommitReport()
    total = len(actions)
    for done, action in enumerate(actions, start=1):
        try:
            _apply(workspace, action)
        except ReviewError as error:
            report.failures.append(
                f"claim {action.claim_id}: {action.describe()}: {error}"
            )
        else:
            report.applied += 1
            report.claims.add(action.claim_id)
        if progress is not None:
            progress(done, total)
    return report
