from odoo import fields, models

# Ordered by rank (hub/lifecycle.py SHIPMENT_RANK); a test keeps the keys equal to the canonical table.
SHIPMENT_STATUS_SELECTION = [
    ("pending", "Pending"),
    ("label_created", "Label Created"),
    ("picked_up", "Picked Up"),
    ("in_transit", "In Transit"),
    ("exception", "Exception"),
    ("out_for_delivery", "Out for Delivery"),
    ("delivery_failed", "Delivery Failed"),
    ("return_to_sender", "Returned to Sender"),
    ("cancelled", "Cancelled"),
    ("delivered", "Delivered"),
]


class HubTrackingEvent(models.Model):
    """What a carrier (or TMS) reported about a shipment, in canonical terms, kept as history."""

    _name = "hub.tracking.event"
    _description = "Logistics Hub Shipment Tracking Event"
    _order = "occurred_at desc, id desc"
    _rec_name = "event_uid"

    picking_id = fields.Many2one("stock.picking", required=True, ondelete="cascade", index=True, readonly=True)
    connector_id = fields.Many2one("hub.connector", ondelete="set null", readonly=True)
    event_uid = fields.Char(
        string="Event ID", required=True, readonly=True,
        help="The partner's stable id of the event (e.g. parcelfast:PF100000001:7); stored once per delivery.",
    )
    tracking_number = fields.Char(readonly=True)
    status = fields.Selection(SHIPMENT_STATUS_SELECTION, required=True, readonly=True)
    reason = fields.Char(readonly=True, help="Incident reason code, e.g. lost_parcel, address_invalid, delayed.")
    carrier_status = fields.Char(readonly=True, help="The partner's raw status code.")
    # Two clocks (hub/clock.py): occurred_at is the partner's, create_date ("Received") the hub's.
    occurred_at = fields.Datetime(
        readonly=True, help="When it happened, by the partner's clock, as reported (late reports keep their date).",
    )
    location = fields.Char(readonly=True)
    pod_signed_by = fields.Char(string="Signed By", readonly=True)
    pod_signature_ref = fields.Char(string="Signature", readonly=True)
    pod_photo_ref = fields.Char(string="Photo", readonly=True)
    advanced = fields.Boolean(readonly=True, help="Whether this event moved the shipment's status forward.")
    correlation_id = fields.Char(readonly=True)

    # Once per delivery: carriers reuse tracking numbers (and so event ids) over the years, and two
    # connectors of one carrier system number alike; neither may swallow another delivery's events.
    _sql_constraints = [
        ("event_uid_unique", "UNIQUE(picking_id, event_uid)", "A tracking event is stored once per delivery."),
    ]
