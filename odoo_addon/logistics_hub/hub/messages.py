"""Shape checks of what the sidecar sends over RPC; errors name the offending item."""
import base64
import binascii

from .envelope import parse_iso_utc
from .lifecycle import SHIPMENT_RANK
from .status import RESULT_STATUSES

MAX_BATCH = 500
# Longest partner answer excerpt kept per delivery attempt (the sidecar sends at most 300 characters).
EXCERPT_MAX = 1000
# What the sidecar may park (hub.exception.hub_park): a partner message or a delivery result.
PARK_KINDS = ("inbound", "writeback", "process_timer")


class MessageError(ValueError):
    """Input that can never be applied as sent; retrying it cannot help."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _optional_str(item, key, where):
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise MessageError(f"{where}: '{key}' must be a string or null")
    return value or None


def check_batch(items, what):
    if not isinstance(items, (list, tuple)):
        raise MessageError(f"{what} must be a list, got {type(items).__name__}")
    if len(items) > MAX_BATCH:
        raise MessageError(f"too many {what}: {len(items)} (at most {MAX_BATCH} per call)")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise MessageError(f"{what}[{index}] must be an object, got {type(item).__name__}")
    return list(items)


def check_result(item, index):
    """A delivery result of ``hub.sync.state.hub_apply_results``, normalised."""
    where = f"results[{index}]"
    uuid = item.get("event_uuid")
    if not isinstance(uuid, str) or not uuid:
        raise MessageError(f"{where}: 'event_uuid' is required")
    status = item.get("status")
    if status not in RESULT_STATUSES:
        raise MessageError(f"{where}: 'status' must be one of {', '.join(RESULT_STATUSES)}, got {status!r}")
    attempt = item.get("attempt")
    if not _is_int(attempt) or attempt < 0:
        raise MessageError(f"{where}: 'attempt' must be a non-negative integer, got {attempt!r}")
    at = _optional_str(item, "at", where)
    try:
        at = at and parse_iso_utc(at)
    except ValueError:
        raise MessageError(f"{where}: 'at' is not an ISO 8601 timestamp: {item['at']!r}") from None
    details = item.get("details")
    if details is not None and not isinstance(details, dict):
        raise MessageError(f"{where}: 'details' must be an object or null")
    # Only a successful booking describes a shipment; other statuses' details are informative.
    shipment = check_shipment((details or {}).get("shipment"), f"{where}.details.shipment") if status == "sent" else None
    return {
        "event_uuid": uuid,
        "status": status,
        "attempt": attempt,
        "error": _optional_str(item, "error", where),
        "external_ref": _optional_str(item, "external_ref", where),
        "at": at,
        "shipment": shipment,
        "delivery": check_delivery(item.get("delivery"), f"{where}.delivery"),
    }


def _optional_time(item, key, where):
    value = _optional_str(item, key, where)
    try:
        return value and parse_iso_utc(value)
    except ValueError:
        raise MessageError(f"{where}: '{key}' is not an ISO 8601 timestamp: {value!r}") from None


def _optional_int(item, key, where, minimum, maximum=None):
    value = item.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise MessageError(f"{where}: '{key}' must be an integer {bounds} or null, got {value!r}")
    return value


def check_delivery(delivery, where):
    """``delivery`` of a result: the delivery attempt it reports, normalised; None when absent.

    Results restored by the sidecar's self-check carry none: they report no attempt of their own.
    The excerpt is cut to EXCERPT_MAX whatever was sent, so a partner's answer cannot grow the table.
    """
    if delivery is None:
        return None
    if not isinstance(delivery, dict):
        raise MessageError(f"{where} must be an object or null")
    excerpt = _optional_str(delivery, "response_excerpt", where)
    return {
        "attempted_at": _optional_time(delivery, "attempted_at", where),
        "duration_ms": _optional_int(delivery, "duration_ms", where, 0),
        "http_status": _optional_int(delivery, "http_status", where, 100, 599),
        "response_excerpt": excerpt[:EXCERPT_MAX] if excerpt else None,
        "max_attempts": _optional_int(delivery, "max_attempts", where, 1),
        "next_retry_at": _optional_time(delivery, "next_retry_at", where),
    }


def check_shipment(shipment, where):
    """``details.shipment`` of a sent result (a booked shipment), normalised; None when absent."""
    if shipment is None:
        return None
    if not isinstance(shipment, dict):
        raise MessageError(f"{where} must be an object or null")
    for key in ("carrier", "tracking_number"):
        if not isinstance(shipment.get(key), str) or not shipment[key]:
            raise MessageError(f"{where}: '{key}' is required and must be a non-empty string")
    amount = shipment.get("amount")
    if amount is not None and not _is_number(amount):
        raise MessageError(f"{where}: 'amount' must be a number or null, got {amount!r}")
    distance = shipment.get("distance_km")
    if distance is not None and (not _is_number(distance) or distance < 0):
        raise MessageError(f"{where}: 'distance_km' must be a number of at least 0 or null, got {distance!r}")
    label = _optional_str(shipment, "label_pdf_base64", where)
    if label:
        try:
            base64.b64decode(label, validate=True)
        except (binascii.Error, ValueError):
            raise MessageError(f"{where}: 'label_pdf_base64' is not base64") from None
    return {
        "carrier": shipment["carrier"],
        "tracking_number": shipment["tracking_number"],
        "service": _optional_str(shipment, "service", where),
        "label_pdf_base64": label,
        "amount": float(amount) if amount is not None else None,
        "currency": _optional_str(shipment, "currency", where),
        "distance_km": float(distance) if distance is not None else None,
    }


def check_inbound(item, index):
    """The envelope of an inbound message; its ``data`` is checked when it is applied."""
    where = f"messages[{index}]"
    for key in ("id", "type"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise MessageError(f"{where}: '{key}' is required and must be a non-empty string")
    return {
        "id": item["id"],
        "type": item["type"],
        "correlation_id": _optional_str(item, "correlation_id", where),
        "data": item.get("data"),
    }


def check_park(item, index):
    """An item of ``hub.exception.hub_park``: something Odoo refused, as the sidecar sent it, normalised."""
    where = f"items[{index}]"
    kind = item.get("kind")
    if kind not in PARK_KINDS:
        raise MessageError(f"{where}: 'kind' must be one of {', '.join(PARK_KINDS)}, got {kind!r}")
    for key in ("key", "error"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise MessageError(f"{where}: '{key}' is required and must be a non-empty string")
    if not isinstance(item.get("item"), dict):
        raise MessageError(f"{where}: 'item' must be an object (the message or result as it was sent)")
    return {
        "kind": kind,
        "connector_code": _optional_str(item, "connector_code", where),
        "key": item["key"],
        "item": item["item"],
        "error": item["error"],
        "correlation_id": _optional_str(item, "correlation_id", where),
    }


def check_fulfilment_data(data):
    """``data`` of a fulfilment.* message: picking id, external ref and optional lines."""
    if not isinstance(data, dict):
        raise MessageError("'data' must be an object")
    picking_id = data.get("picking_id")
    if not _is_int(picking_id) or picking_id <= 0:
        raise MessageError(f"'data.picking_id' must be a positive integer, got {picking_id!r}")
    lines = data.get("lines") or []
    if not isinstance(lines, list):
        raise MessageError("'data.lines' must be a list")
    checked = []
    for index, line in enumerate(lines):
        where = f"data.lines[{index}]"
        if not isinstance(line, dict):
            raise MessageError(f"{where} must be an object")
        move_id = line.get("move_id")
        if move_id is not None and not _is_int(move_id):
            raise MessageError(f"{where}: 'move_id' must be an integer or null")
        sku = _optional_str(line, "sku", where)
        if not move_id and not sku:
            raise MessageError(f"{where}: needs a 'move_id' or a 'sku'")
        quantity = line.get("quantity")
        if not _is_number(quantity) or quantity < 0:
            raise MessageError(f"{where}: 'quantity' must be a non-negative number, got {quantity!r}")
        checked.append({"move_id": move_id or None, "sku": sku, "quantity": float(quantity)})
    return {
        "picking_id": picking_id,
        "external_ref": _optional_str(data, "external_ref", "data"),
        "lines": checked,
    }


def check_tracking_data(data):
    """``data`` of a shipment.tracking message: canonical tracking events of one or more parcels.

    Each event keeps its own tracking number (the message's when it has none); statuses must be
    canonical (the sidecar maps unknown carrier codes to ``exception``/``unknown_status``).
    """
    if not isinstance(data, dict):
        raise MessageError("'data' must be an object")
    tracking_number = _optional_str(data, "tracking_number", "data")
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise MessageError("'data.events' must be a non-empty list")
    checked = []
    for index, event in enumerate(events):
        where = f"data.events[{index}]"
        if not isinstance(event, dict):
            raise MessageError(f"{where} must be an object")
        if not isinstance(event.get("id"), str) or not event["id"]:
            raise MessageError(f"{where}: 'id' is required and must be a non-empty string")
        number = _optional_str(event, "tracking_number", where) or tracking_number
        if not number:
            raise MessageError(f"{where}: no tracking number (neither the event's nor 'data.tracking_number')")
        status = event.get("status")
        if status not in SHIPMENT_RANK:
            raise MessageError(f"{where}: 'status' must be one of {', '.join(SHIPMENT_RANK)}, got {status!r}")
        occurred_at = event.get("occurred_at")
        try:
            occurred_at = parse_iso_utc(occurred_at)
        except (TypeError, ValueError):
            raise MessageError(f"{where}: 'occurred_at' is not an ISO 8601 timestamp: {occurred_at!r}") from None
        pod = event.get("pod")
        if pod is not None and not isinstance(pod, dict):
            raise MessageError(f"{where}: 'pod' must be an object or null")
        checked.append({
            "id": event["id"],
            "tracking_number": number,
            "status": status,
            "reason": _optional_str(event, "reason", where),
            "carrier_status": _optional_str(event, "carrier_status", where),
            "occurred_at": occurred_at,
            "location": _optional_str(event, "location", where),
            "pod": pod and {
                key: _optional_str(pod, key, f"{where}.pod") for key in ("signed_by", "signature_ref", "photo_ref")
            },
        })
    return {"tracking_number": tracking_number or checked[0]["tracking_number"], "events": checked}


MAX_FREIGHT_LINES = 2000


def check_freight_bill_data(data):
    """``data`` of a freight.bill message: a carrier's bill for shipments it moved, one line per charge."""
    if not isinstance(data, dict):
        raise MessageError("'data' must be an object")
    for key in ("bill_id", "currency"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise MessageError(f"data: '{key}' is required and must be a non-empty string")
    try:
        issued_at = parse_iso_utc(data.get("issued_at"))
    except (TypeError, ValueError):
        raise MessageError(f"data: 'issued_at' is not an ISO 8601 timestamp: {data.get('issued_at')!r}") from None
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_FREIGHT_LINES:
        raise MessageError(f"data: 'lines' must be a list of 1 to {MAX_FREIGHT_LINES} lines")
    checked = []
    for index, line in enumerate(lines):
        where = f"data.lines[{index}]"
        if not isinstance(line, dict):
            raise MessageError(f"{where} must be an object")
        for key in ("line_id", "tracking_number"):
            if not isinstance(line.get(key), str) or not line[key]:
                raise MessageError(f"{where}: '{key}' is required and must be a non-empty string")
        if not _is_number(line.get("amount")) or not -1e9 < line["amount"] < 1e9:
            raise MessageError(f"{where}: 'amount' must be a number")
        checked.append({"line_id": line["line_id"], "tracking_number": line["tracking_number"],
                        "amount": float(line["amount"]), "description": _optional_str(line, "description", where)})
    return {"bill_id": data["bill_id"], "currency": data["currency"].upper(), "issued_at": issued_at, "lines": checked}
