"""Which delivery results and tracking events open a ``hub.exception``, and for what reason."""
from .lifecycle import INCIDENT_STATUSES

EXCEPTION_REASONS = (
    "address_invalid",
    "lost_parcel",
    "damaged",
    "delivery_failed",
    "label_failure",
    "no_carrier",
    "partner_rejected",
    "route_deviation",
    "unknown_status",
    "other",
)

# Drift the sidecar's reconciliation reports (docs/contract.md, "Reconciliation").
DRIFT_REASONS = ("unacknowledged", "no_carrier_scan", "not_invoiced", "status_lagging")

CARRIER_ADAPTERS = ("parcelfast", "swiftpost")
# Connectors whose delivery is a shipment booking: a dead delivery there means no label.
SHIPPING_ADAPTERS = ("rate_shop", "tms") + CARRIER_ADAPTERS

# Prefix of the error the sidecar reports while every carrier is down (the booking stays queued).
NO_CARRIER_PREFIX = "no carrier could book"
ADDRESS_INVALID_MARK = "address_invalid"

# Booking failures a later successful booking of the same record on the same connector settles.
SETTLED_BY_BOOKING = ("label_failure", "no_carrier", "address_invalid")


def result_exception_reason(status, error, adapter):
    """Reason of the exception a delivery result opens, or None when it opens none.

    Failed results are retried by the sidecar and open nothing, except when no carrier at all could
    book: the shipment then waits for a carrier to come back, which a person should know.
    """
    error = error or ""
    if status == "failed":
        return "no_carrier" if error.startswith(NO_CARRIER_PREFIX) else None
    if status != "dead":
        return None
    if ADDRESS_INVALID_MARK in error.lower():
        return "address_invalid"
    return "label_failure" if adapter in SHIPPING_ADAPTERS else "partner_rejected"


def tracking_exception_reason(status, reason):
    """Reason of the exception a tracking event opens, or None when its status is no incident."""
    if status not in INCIDENT_STATUSES:
        return None
    if reason in EXCEPTION_REASONS:
        return reason
    return "delivery_failed" if status == "delivery_failed" else "other"
