"""Sync status aggregation and the monotonic rules that make replays and reordering harmless."""

RESULT_STATUSES = ("sent", "failed", "dead", "acknowledged")

# What a person must look at first when a record is synced to several partners.
WORST_FIRST = ("dead", "failed", "pending", "sent", "acknowledged")

# Within one (event, attempt) an acknowledgement is final: a late "sent" must not hide it.
_RANK_IN_ATTEMPT = {"pending": 0, "failed": 1, "dead": 1, "sent": 1, "acknowledged": 2}

FULFILMENT_STAGES = {
    "fulfilment.picked": 1,
    "fulfilment.packed": 2,
    "fulfilment.shipped": 3,
}
# A validated picking is at least packed, whoever validated it.
DONE_STAGE = FULFILMENT_STAGES["fulfilment.packed"]


def worst_status(statuses):
    """The most alarming status of ``statuses``, or False when there is none."""
    present = set(statuses)
    return next((status for status in WORST_FIRST if status in present), False)


def is_stale(stored, incoming):
    """Whether ``incoming`` must not replace ``stored``.

    Both are ``(event_id, attempt, status)``; ``stored`` may be None (nothing applied yet).
    Results are ordered by (event id, attempt); an acknowledged event stays acknowledged whatever
    attempt a later result of that same event reports. Equal keys with equal rank apply again,
    which keeps a replayed result idempotent.
    """
    if not stored or not stored[0]:
        return False
    stored_event, stored_attempt, stored_status = stored
    event, attempt, status = incoming
    if event != stored_event:
        return event < stored_event
    if stored_status == "acknowledged" and status != "acknowledged":
        return True
    if attempt != stored_attempt:
        return attempt < stored_attempt
    return _RANK_IN_ATTEMPT[status] < _RANK_IN_ATTEMPT.get(stored_status, 0)


def fulfilment_stage(applied_types, picking_done=False):
    """Furthest fulfilment stage already reached by a picking."""
    stage = max((FULFILMENT_STAGES.get(t, 0) for t in applied_types), default=0)
    return max(stage, DONE_STAGE) if picking_done else stage


def is_late_fulfilment(message_type, reached_stage):
    """A callback for an earlier stage than the one reached is stored but never applied."""
    return FULFILMENT_STAGES[message_type] < reached_stage
