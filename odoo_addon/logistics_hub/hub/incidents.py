"""Which delivery results and tracking events open a ``hub.exception``, and for what reason; how refused
items are parked as exceptions."""
import hashlib

from .adapter_manifests import adapters_with
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
    "process_failed",
    "short_shipment",
    "not_rated",
    "freight_variance",
    "other",
)

# Drift the sidecar's reconciliation reports (docs/contract.md, "Reconciliation").
DRIFT_REASONS = ("unacknowledged", "no_carrier_scan", "not_invoiced", "status_lagging")

# From the adapter manifests (adapter_manifests.py): carriers are the adapters that quote rates.
CARRIER_ADAPTERS = adapters_with("rate")
# Connectors whose delivery is a shipment booking: a dead delivery there means no label.
SHIPPING_ADAPTERS = adapters_with("book")

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


# Items Odoo refused (a partner message, a delivery result), kept as exceptions that store them so
# that nothing the sidecar was given vanishes; a person applies them again (docs/contract.md).
PARKED_REASONS = {"inbound": "inbound_rejected", "writeback": "writeback_rejected", "process_timer": "timer_rejected"}
# What applying a parked item again may answer when nothing is left to do: it was applied now, or had
# been meanwhile, or it no longer applies to anything.
SETTLED_OUTCOMES = ("applied", "duplicate", "ignored", "stale", "unknown_event", "fired", "missing")


def inbound_park_key(connector_code, message_id):
    """Key of a parked partner message: the connector's code and the partner's message id.

    The sidecar builds the same keys for what it parks itself (``hub.exception.hub_park``); a
    delivery result's is ``<event_uuid>:<attempt>:<status>``, one attempt's outcome of one event.
    """
    return f"{connector_code}:{message_id}"


def parked_connector_code(key):
    """The connector code an inbound key starts with (codes hold no ':'), or None."""
    code, separator, _message_id = (key or "").partition(":")
    return code if separator and code else None


def park_occurrence_key(kind, key, error):
    """One occurrence per item and error: a replayed call parks the same item with the same error and
    counts once; the same item refused for another reason counts again."""
    digest = hashlib.sha256((error or "").encode()).hexdigest()[:16]
    return f"parked:{kind}:{key}:{digest}"
