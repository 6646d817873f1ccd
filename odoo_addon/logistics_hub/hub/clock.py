"""Which clock counts for tracking events (docs/architecture.md, "Which clock counts").

The carrier's event time (``occurred_at``) says when something happened to the parcel: the history and
the delivery date show it as reported, however late it is reported. The hub measures its own delays
(drift windows such as "delivered, not invoiced", when an exception was last seen) by its own clock:
when it stored the event (``hub.tracking.event.create_date``). A carrier dating events days back (a late
batch, a lost webhook recovered by reconciliation, a simulator) therefore changes no deadline.

An event dated ahead of the hub's clock cannot have happened yet. Within a small tolerance that is clock
skew; beyond it the carrier's clock or time zone is wrong, and storing the date would put a delivery in
the future. Such an event is refused, naming it, and kept (parked) until someone applies it again.
Events dated in the past are always accepted: only the carrier knows when the parcel moved.
"""
from datetime import timedelta

# Scanners and carrier servers drift by seconds to minutes; local time sent as UTC is an hour or more.
FUTURE_TOLERANCE = timedelta(minutes=15)


def first_dated_ahead(events, now, tolerance=FUTURE_TOLERANCE):
    """The first of ``events`` (checked tracking events, ``occurred_at`` naive UTC) dated later than
    ``now`` (naive UTC, the hub's clock) plus ``tolerance``, or None when every date is plausible."""
    limit = now + tolerance
    return next((event for event in events if event["occurred_at"] > limit), None)
