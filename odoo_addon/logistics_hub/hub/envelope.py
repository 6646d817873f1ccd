"""The canonical message envelope and its identifiers (docs/contract.md)."""
import base64
import secrets
import uuid
from datetime import datetime, timezone

OUTBOUND_EVENT_TYPES = (
    "order.confirmed",
    "order.cancelled",
    "picking.ready",
    "picking.done",
    "invoice.posted",
    "shipment.delivered",
    "charge.billable",
)

# The business model each outbound event type is captured on (a route's filter domain applies to it).
EVENT_MODELS = {
    "order.confirmed": "sale.order",
    "order.cancelled": "sale.order",
    "picking.ready": "stock.picking",
    "picking.done": "stock.picking",
    "invoice.posted": "account.move",
    "shipment.delivered": "stock.picking",
    "charge.billable": "hub.charge",
}


def new_message_id():
    return str(uuid.uuid4())


def new_secret():
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def iso_utc(value):
    """Naive UTC datetime (Odoo's storage convention) -> ISO 8601 with ``Z``; None stays None."""
    if not value:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def parse_iso_utc(value):
    """ISO 8601 string -> naive UTC datetime; raises ValueError when it is not one."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def build_envelope(message_id, event_type, occurred_at, correlation_id, model, res_id, data):
    """The message partners receive; ``data`` is the snapshot stored in ``hub_event.payload``."""
    return {
        "id": message_id,
        "type": event_type,
        "occurred_at": iso_utc(occurred_at),
        "correlation_id": correlation_id,
        "source": {"model": model, "id": res_id},
        "data": data or {},
    }
