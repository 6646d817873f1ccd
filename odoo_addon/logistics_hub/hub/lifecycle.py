"""The canonical shipment lifecycle (docs/architecture.md, "Contracts"), identical to sidecar/src/shipping/lifecycle.ts.

A shipment's status is the highest-ranked status ever reported for it, so the outcome depends on which
tracking events arrived, never on their order or on how often they arrived: late events are stored
without regressing the status, duplicates change nothing. Side states sit where they belong in time:
an ``exception`` in transit shows until the parcel moves on, ``delivered`` is final.
A test of the sidecar parses the literal below: keep it a plain dict literal, one status per line.
"""

SHIPMENT_RANK = {
    "pending": 0,
    "label_created": 10,
    "picked_up": 20,
    "in_transit": 30,
    "exception": 35,
    "out_for_delivery": 40,
    "delivery_failed": 45,
    "return_to_sender": 50,
    "cancelled": 60,
    "delivered": 70,
}

SHIPMENT_STATUSES = tuple(SHIPMENT_RANK)

# Reported incidents a person has to look at (each opens or counts again on a hub.exception).
INCIDENT_STATUSES = ("exception", "delivery_failed", "return_to_sender")

# Nothing is left to act on once a parcel is delivered or its shipment cancelled: a late incident
# report for it is kept in the history only.
SETTLED_STATUSES = ("delivered", "cancelled")


def advance(current, reported):
    """The status of a shipment at ``current`` (None/False: no status yet) once ``reported`` arrives."""
    current = current or "pending"
    return reported if SHIPMENT_RANK[reported] > SHIPMENT_RANK[current] else current


def final_status(statuses, start="pending"):
    status = start
    for reported in statuses:
        status = advance(status, reported)
    return status


def can_cancel(current):
    """A shipment can still be cancelled while nothing ranked above ``cancelled`` (delivery) was reported."""
    return advance(current, "cancelled") == "cancelled"
