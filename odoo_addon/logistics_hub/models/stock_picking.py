import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..hub.clock import FUTURE_TOLERANCE, first_dated_ahead
from ..hub.envelope import iso_utc
from ..hub.incidents import tracking_exception_reason
from ..hub.lifecycle import SETTLED_STATUSES, advance
from .hub_tracking_event import SHIPMENT_STATUS_SELECTION

_logger = logging.getLogger(__name__)

# The carrier's statuses that are business process milestones (hub/process_signals.py).
TRACKING_SIGNALS = {
    "picked_up": "shipment.in_transit",
    "in_transit": "shipment.in_transit",
    "out_for_delivery": "shipment.in_transit",
    "delivered": "shipment.delivered",
    "delivery_failed": "shipment.delivery_failed",
}

HUB_USER = "logistics_hub.group_hub_user"
HUB_VIEWER = "logistics_hub.group_hub_viewer"


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "hub.sync.mixin"]

    # The shipment booked for this delivery. The sidecar reads hub_tracking_number,
    # hub_shipment_status and hub_carrier_connector_id directly (docs/contract.md). Warehouse users,
    # salespeople and invoicing users see it read-only (Status Viewer); the booking event is the hub's.
    hub_shipment_status = fields.Selection(
        SHIPMENT_STATUS_SELECTION, string="Shipment Status", readonly=True, copy=False, groups=HUB_VIEWER,
        help="Highest status the carrier ever reported: it only moves forward.",
    )
    hub_tracking_number = fields.Char(string="Tracking Number", readonly=True, copy=False, index=True, groups=HUB_VIEWER)
    hub_carrier_connector_id = fields.Many2one(
        "hub.connector", string="Carrier Connector", readonly=True, copy=False, index=True, ondelete="set null", groups=HUB_VIEWER,
    )
    hub_carrier_service = fields.Char(string="Carrier Service", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_shipping_cost = fields.Float(string="Booked Shipping Cost", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_shipping_currency = fields.Char(string="Shipping Currency", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_distance_km = fields.Float(
        string="Route Distance (km)", digits=(16, 1), copy=False, tracking=True, groups=HUB_VIEWER,
        help="The planned route distance the transport platform answered when it took the shipment; a dispatcher "
             "may set it. Rate card lanes priced by distance band use it.",
    )
    hub_label_attachment_id = fields.Many2one(
        "ir.attachment", string="Shipping Label", readonly=True, copy=False, ondelete="set null", groups=HUB_VIEWER,
    )
    hub_tracking_event_ids = fields.One2many(
        "hub.tracking.event", "picking_id", string="Tracking Events", readonly=True, groups=HUB_VIEWER,
    )
    hub_delivered_at = fields.Datetime(
        string="Delivered At", readonly=True, copy=False, groups=HUB_VIEWER,
        help="When the carrier says it delivered (its event time). Drift windows count from when the hub "
             "received that event instead (the tracking event's Received time).",
    )
    hub_pod_signed_by = fields.Char(string="POD Signed By", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_pod_signature_ref = fields.Char(string="POD Signature", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_pod_photo_ref = fields.Char(string="POD Photo", readonly=True, copy=False, groups=HUB_VIEWER)
    hub_shipment_event_id = fields.Many2one(
        "hub.event", string="Booking Event", readonly=True, copy=False, ondelete="set null", groups=HUB_USER,
        help="The outbound event whose delivery booked the current shipment.",
    )

    def _action_done(self):
        res = super()._action_done()
        done = self.filtered(lambda picking: picking.state == "done")
        done.filtered(lambda picking: picking.picking_type_code == "outgoing")._hub_emit("picking.done")
        done._hub_process_done_signal()
        return res

    def _hub_process_done_signal(self):
        """A delivery validated in Odoo, or a customer return received at the warehouse, is a milestone
        of the business processes (hub.process): once per picking, validated only once."""
        Process = self.env["hub.process"]
        for picking in self:
            if picking.picking_type_code == "outgoing":
                signal = "picking.done"
            elif Process._hub_is_return(picking):
                signal = "return.received"
            else:
                continue
            Process._hub_signal(signal, picking, f"{signal}:{picking._name}:{picking.id}")

    def _hub_emit_ready_at_commit(self):
        """Check these pickings for picking.ready once, just before the transaction commits.

        Reservation runs several times while an order is confirmed, and a picking's state is
        computed from its moves: asking for it at each reservation would compute it again each
        time. Just before commit (precommit, after the ORM's last flush) the state is final and
        already computed, and the outbox rows still commit with the reservation. A savepoint that
        rolls back drops what was registered inside it, like the reservation itself.
        """
        if not self or not self.env["hub.route"]._hub_connectors_for("picking.ready"):
            return
        data = self.env.cr.precommit.data
        key = "logistics_hub.ready_picking_ids"
        if key not in data:
            data[key] = set()
            pickings = self.browse()

            def emit_ready():
                pickings.browse(data.pop(key, ()))._hub_emit_ready()

            self.env.cr.precommit.add(emit_ready)
        data[key].update(self.ids)

    def _hub_emit_ready(self):
        """Emit picking.ready once per delivery, the first time it is fully ready to ship."""
        if not self or not self.env["hub.route"]._hub_connectors_for("picking.ready"):
            return
        # One query for "still exists, outgoing, ready, never announced": this runs in the commit of
        # every reservation. Like the payload, it must not depend on what the user may read.
        self.flush_model(["state", "picking_type_id"])
        self.env.cr.execute(SQL(
            """SELECT picking.id
                 FROM stock_picking picking
                 JOIN stock_picking_type type ON type.id = picking.picking_type_id
                WHERE picking.id = ANY(%s) AND picking.state = 'assigned' AND type.code = 'outgoing'
                  AND NOT EXISTS (SELECT 1 FROM hub_event event
                                   WHERE event.direction = 'out' AND event.event_type = 'picking.ready'
                                     AND event.res_model = 'stock.picking' AND event.res_id = picking.id)
                ORDER BY picking.id""",
            self.ids,
        ))
        self.browse([picking_id for picking_id, in self.env.cr.fetchall()])._hub_emit("picking.ready")

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        data = {
            "picking": {
                "id": self.id,
                "name": self.name,
                "origin": self.origin or None,
                "scheduled_date": iso_utc(self.scheduled_date),
                "weight": self._hub_weight_kg(event_type),
                "partner": self._hub_partner_data(self.partner_id),
                "lines": [
                    {
                        "move_id": move.id,
                        "sku": move.product_id.default_code or None,
                        "product": move.product_id.name,
                        "quantity": move.product_uom_qty,
                        "uom": move.product_uom.name or None,
                    }
                    for move in self.move_ids
                    if move.state != "cancel"
                ],
            }
        }
        if event_type.startswith("shipment."):
            data["shipment"] = self._hub_shipment_data()
        return data

    def _hub_weight_kg(self, event_type):
        """Shipping weight in kg: the picking's own, else its products' weight times quantity.

        A delivery that just became ready has nothing packed yet, so its weight is its products'
        weight: computed from the moves already read for the lines, where Odoo's shipping weight
        would cost two more queries inside the reservation.
        """
        self.ensure_one()
        weight = 0.0 if event_type == "picking.ready" else self.shipping_weight
        if not weight:
            for move in self.move_ids.filtered(lambda m: m.state != "cancel"):
                quantity = move.quantity if move.picked or move.state == "done" else move.product_uom_qty
                quantity = move.product_uom._compute_quantity(quantity, move.product_id.uom_id, rounding_method="HALF-UP")
                weight += quantity * move.product_id.weight
        # product weights are in kg unless configured in lb (product's _get_weight_uom_id_from_ir_config_parameter);
        # read the parameter (cached) rather than the UoM records, which costs two queries per event
        if weight and self.env["ir.config_parameter"].sudo().get_param("product.weight_in_lbs") == "1":
            weight = self.env.ref("uom.product_uom_lb")._compute_quantity(weight, self.env.ref("uom.product_uom_kgm"), round=False)
        return round(weight, 3)

    def _hub_shipment_data(self):
        self.ensure_one()
        return {
            "carrier": self.hub_carrier_connector_id.code or None,
            "service": self.hub_carrier_service or None,
            "tracking_number": self.hub_tracking_number or None,
            "status": self.hub_shipment_status or None,
            "amount": self.hub_shipping_cost if self.hub_shipping_currency else None,
            "currency": self.hub_shipping_currency or None,
            "delivered_at": iso_utc(self.hub_delivered_at),
            "pod": {
                "signed_by": self.hub_pod_signed_by or None,
                "signature_ref": self.hub_pod_signature_ref or None,
                "photo_ref": self.hub_pod_photo_ref or None,
            } if self.hub_pod_signed_by or self.hub_pod_signature_ref or self.hub_pod_photo_ref else None,
        }

    def action_hub_download_label(self):
        self.ensure_one()
        if not self.hub_label_attachment_id:
            raise UserError(_("Delivery %s has no shipping label.", self.name))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.hub_label_attachment_id.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # Partner callbacks (hub.event.hub_apply_inbound)
    # ------------------------------------------------------------------

    def _hub_match_lines(self, lines):
        """``[(move, quantity)]`` for callback lines: by move id, else by SKU (product reference)."""
        self.ensure_one()
        open_moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        matched = []
        for line in lines:
            if line["move_id"]:
                move = open_moves.filtered(lambda m: m.id == line["move_id"])
            else:
                move = open_moves.filtered(
                    lambda m: m.product_id.default_code == line["sku"] and m not in [pair[0] for pair in matched]
                )[:1]
            if not move:
                raise UserError(_(
                    "Line %(line)s matches no open move of picking %(picking)s.",
                    line=line["move_id"] or line["sku"], picking=self.name,
                ))
            matched.append((move, line["quantity"]))
        return matched

    def _hub_apply_picked(self, lines):
        self.ensure_one()
        if not lines:
            self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")).picked = True
            return
        for move, quantity in self._hub_match_lines(lines):
            move.quantity = quantity
            move.picked = True

    def _hub_apply_shipped(self, lines):
        """Validate the picking as the partner shipped it, without backorder.

        Lines, when given, are the shipped content: moves they do not list ship what was picked
        before, or nothing. Without lines, moves not picked before ship their full demand.
        """
        self.ensure_one()
        if self.state == "done":
            return
        open_moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        listed = self.env["stock.move"]
        for move, quantity in self._hub_match_lines(lines):
            move.quantity = quantity
            listed |= move
        for move in open_moves - listed:
            if not move.picked:
                move.quantity = 0 if lines else move.product_uom_qty
        open_moves.picked = True
        self.with_context(
            skip_backorder=True,
            picking_ids_not_to_backorder=self.ids,
            skip_sms=True,
            skip_expired=True,
        ).button_validate()
        if self.state != "done":
            raise UserError(_("Picking %s could not be validated.", self.name))

    # ------------------------------------------------------------------
    # Shipments (hub.sync.state.hub_apply_results, hub.event.hub_apply_inbound)
    # ------------------------------------------------------------------

    def _hub_record_shipment(self, event, shipment):
        """Record the shipment a delivery result booked (``details.shipment``); idempotent.

        A new tracking number is a new shipment (e.g. booked again with another carrier): it starts
        over at label_created. The same result again changes nothing; an older booking's result
        (lower event id) never replaces a newer one. The shipment is also filed in Odoo's own carrier
        fields, and the connector the delivery was sent to has acknowledged it.
        """
        self.ensure_one()
        if self.hub_shipment_event_id and event.id < self.hub_shipment_event_id.id:
            # A replayed result of an earlier booking: the newer booking (higher event id) stands.
            _logger.info("hub: shipment result of %s for %s superseded by %s correlation_id=%s",
                         event.uuid, self.name, self.hub_shipment_event_id.uuid, event.correlation_id)
            return False
        number = shipment["tracking_number"]
        carrier = self.env["hub.connector"].with_context(active_test=False).search(
            [("code", "=", shipment["carrier"])], limit=1
        )
        if not carrier:
            _logger.warning("hub: shipment of %s booked with unknown carrier connector %s correlation_id=%s",
                            self.name, shipment["carrier"], event.correlation_id)
        new_shipment = self.hub_tracking_number != number
        vals = {
            "hub_tracking_number": number,
            "hub_carrier_connector_id": carrier.id,
            "hub_carrier_service": shipment["service"] or False,
            "hub_shipping_cost": shipment["amount"] or 0.0,
            "hub_shipping_currency": shipment["currency"] or False,
            "hub_shipment_event_id": event.id,
            **({"hub_distance_km": shipment["distance_km"]} if shipment.get("distance_km") is not None else {}),
            # Where Odoo's own carrier integrations put it: tracking link, delivery slip, portal.
            "carrier_tracking_ref": number,
        }
        delivery_method = self._hub_delivery_method(carrier)
        if delivery_method:
            vals["carrier_id"] = delivery_method.id
        if new_shipment:
            vals.update({
                "hub_shipment_status": "label_created",
                "hub_label_attachment_id": False,
                "hub_delivered_at": False,
                "hub_pod_signed_by": False,
                "hub_pod_signature_ref": False,
                "hub_pod_photo_ref": False,
            })
        else:
            vals["hub_shipment_status"] = advance(self.hub_shipment_status, "label_created")
        if shipment["label_pdf_base64"]:
            vals["hub_label_attachment_id"] = self._hub_label_attachment(number, shipment["label_pdf_base64"]).id
        changed = {key: value for key, value in vals.items() if self._fields[key].convert_to_write(self[key], self) != value}
        if changed:
            self.write(changed)
        self._hub_acknowledge_booking(event, number)
        if not changed:
            return False
        if new_shipment:
            self.message_post(body=_(
                "Shipment booked with %(carrier)s (%(service)s): tracking number %(tracking)s, cost %(cost)s.",
                carrier=carrier.name or shipment["carrier"], service=shipment["service"] or "-", tracking=number,
                cost=f"{shipment['amount']:.2f} {shipment['currency'] or ''}".strip()
                if shipment["amount"] is not None else "-",
            ))
        return True

    def _hub_delivery_method(self, carrier):
        """The delivery method (delivery.carrier) standing for the hub carrier connector ``carrier``:
        the delivery's own when it does, else the first one; none when no method is linked to it, and
        then the delivery keeps the method its order chose."""
        self.ensure_one()
        if not carrier:
            return self.env["delivery.carrier"]
        methods = self.env["delivery.carrier"].sudo().search([
            ("hub_connector_id", "=", carrier.id), ("company_id", "in", (False, self.company_id.id)),
        ])
        return self.carrier_id if self.carrier_id in methods else methods[:1]

    def _hub_acknowledge_booking(self, event, number):
        """A booked shipment with its tracking number is the shipping connector's acknowledgement.

        The rate-shopping (or carrier, or TMS) connector the delivery was sent to answered with a
        shipment: nothing more is expected from it, and the shipment's own tracking arrives on the
        carrier's connector. Left at Sent, it would make every shipped delivery read Sent.
        """
        self.ensure_one()
        state = self.env["hub.sync.state"].sudo().search([
            ("res_model", "=", self._name), ("res_id", "=", self.id), ("connector_id", "=", event.connector_id.id),
        ])
        if state and (state.status, state.external_ref) != ("acknowledged", number):
            state._hub_acknowledge(number)

    def _hub_sync_parents(self):
        return [self.sudo().sale_id]

    def _hub_label_attachment(self, number, label_base64):
        """The label of a tracking number, attached to the delivery once."""
        self.ensure_one()
        name = f"Label-{number}.pdf"
        Attachment = self.env["ir.attachment"]
        attachment = Attachment.search(
            [("res_model", "=", self._name), ("res_id", "=", self.id), ("name", "=", name)], limit=1
        )
        return attachment or Attachment.create({
            "name": name,
            "datas": label_base64,
            "mimetype": "application/pdf",
            "res_model": self._name,
            "res_id": self.id,
        })

    @api.model
    def _hub_find_shipment(self, connector, tracking_number):
        """The delivery whose current shipment has this tracking number on ``connector``.

        The connector either booked it as the carrier, or reported the number as the reference of a
        delivery sent to it (a TMS job id). The newest delivery wins if a carrier reuses numbers.
        """
        referenced = self.env["hub.sync.state"].sudo().search([
            ("res_model", "=", self._name), ("connector_id", "=", connector.id), ("external_ref", "=", tracking_number),
        ]).mapped("res_id")
        return self.sudo().search([
            ("hub_tracking_number", "=", tracking_number),
            "|", ("hub_carrier_connector_id", "=", connector.id), ("id", "in", referenced),
        ], order="id desc", limit=1)

    def _hub_apply_tracking_events(self, connector, events, correlation_id):
        """Store the events not seen before, advance the status by rank; returns how many were new.

        Reaching ``delivered`` for the first time records the proof of delivery and emits
        ``shipment.delivered``; incident statuses open (or count again on) a hub.exception.
        Each event keeps the carrier's time; an event dated ahead of the hub's clock (hub/clock.py) is
        refused with the whole message, which is then parked as sent.
        """
        self.ensure_one()
        TrackingEvent = self.env["hub.tracking.event"].sudo()
        known = set(TrackingEvent.search([
            ("picking_id", "=", self.id), ("event_uid", "in", [e["id"] for e in events]),
        ]).mapped("event_uid"))
        new_events = []
        for tracking_event in sorted(events, key=lambda e: e["occurred_at"]):
            if tracking_event["id"] not in known:
                known.add(tracking_event["id"])
                new_events.append(tracking_event)
        if not new_events:
            return 0
        self._hub_check_event_times(new_events)
        correlation_id = correlation_id or self.hub_shipment_event_id.correlation_id or None
        before = self.hub_shipment_status or "pending"
        status = before
        vals_list = []
        for tracking_event in new_events:
            reached = advance(status, tracking_event["status"])
            pod = tracking_event["pod"] or {}
            vals_list.append({
                "picking_id": self.id,
                "connector_id": connector.id,
                "event_uid": tracking_event["id"],
                "tracking_number": tracking_event["tracking_number"],
                "status": tracking_event["status"],
                "reason": tracking_event["reason"],
                "carrier_status": tracking_event["carrier_status"],
                "occurred_at": tracking_event["occurred_at"],
                "location": tracking_event["location"],
                "pod_signed_by": pod.get("signed_by"),
                "pod_signature_ref": pod.get("signature_ref"),
                "pod_photo_ref": pod.get("photo_ref"),
                "advanced": reached != status,
                "correlation_id": correlation_id,
            })
            status = reached
        stored = TrackingEvent.create(vals_list)
        # The cache appends in creation order; readers expect the history newest first.
        self.invalidate_recordset(["hub_tracking_event_ids"])
        if status != before:
            self._hub_advance_shipment(before, status, stored, correlation_id)
        if status not in SETTLED_STATUSES:
            for tracking_event in stored:
                self._hub_raise_tracking_exception(connector, tracking_event, correlation_id)
        self._hub_tracking_process_signals(connector, stored)
        self._hub_bill_tracking(stored)
        return len(stored)

    def _hub_tracking_process_signals(self, connector, stored):
        """Each newly stored tracking event that is a process milestone, once (its event uid), at the
        carrier's time, even when it did not advance the status: a scan reported after the delivery
        still records when the parcel was in transit. A return parcel delivered to the warehouse is
        not the return received: that is its picking validated."""
        self.ensure_one()
        Process = self.env["hub.process"]
        for tracking_event in stored:
            signal = TRACKING_SIGNALS.get(tracking_event.status)
            if not signal:
                continue
            data = {"tracking_number": tracking_event.tracking_number, "status": tracking_event.status}
            if tracking_event.status == "delivered":
                data["pod"] = {
                    "signed_by": tracking_event.pod_signed_by or None,
                    "signature_ref": tracking_event.pod_signature_ref or None,
                    "photo_ref": tracking_event.pod_photo_ref or None,
                }
            elif tracking_event.reason:
                data["reason"] = tracking_event.reason
            Process._hub_signal(
                signal, self, tracking_event.event_uid, occurred_at=tracking_event.occurred_at, connector=connector,
                data=data,
            )

    def _hub_check_event_times(self, events):
        self.ensure_one()
        now = fields.Datetime.now()
        ahead = first_dated_ahead(events, now)
        if ahead:
            raise UserError(_(
                "Tracking event %(event)s of %(tracking)s is dated %(at)s, more than %(minutes)s minutes after "
                "the hub's clock (%(now)s): the partner's clock or time zone is wrong. Nothing of this message "
                "was stored; apply it again once the partner has corrected it or that time has passed.",
                event=ahead["id"], tracking=ahead["tracking_number"], at=iso_utc(ahead["occurred_at"]),
                minutes=int(FUTURE_TOLERANCE.total_seconds() // 60), now=iso_utc(now),
            ))

    def _hub_advance_shipment(self, before, status, stored, correlation_id):
        self.ensure_one()
        vals = {"hub_shipment_status": status}
        delivered = status == "delivered" and before != "delivered"
        if delivered:
            proof = stored.filtered(lambda e: e.status == "delivered" and e.advanced)[:1]
            vals.update({
                "hub_delivered_at": proof.occurred_at,
                "hub_pod_signed_by": proof.pod_signed_by,
                "hub_pod_signature_ref": proof.pod_signature_ref,
                "hub_pod_photo_ref": proof.pod_photo_ref,
            })
        self.sudo().write(vals)
        latest = stored.filtered("advanced").sorted(lambda e: (e.occurred_at, e.id))[-1:]
        labels = dict(SHIPMENT_STATUS_SELECTION)
        self.sudo().message_post(body=_(
            "Shipment %(tracking)s: %(before)s → %(status)s (%(carrier_status)s%(location)s).",
            tracking=self.hub_tracking_number, before=labels[before], status=labels[status],
            carrier_status=latest.carrier_status or status, location=f", {latest.location}" if latest.location else "",
        ))
        if delivered:
            # Billing (or anyone routed) hears of it in this transaction, in the shipment's flow.
            HubEvent = self.env["hub.event"]
            if correlation_id:
                HubEvent = HubEvent.with_context(hub_correlation_id=correlation_id)
            HubEvent._hub_emit("shipment.delivered", self)

    def _hub_raise_tracking_exception(self, connector, tracking_event, correlation_id):
        self.ensure_one()
        reason = tracking_exception_reason(tracking_event.status, tracking_event.reason)
        if not reason:
            return
        self.env["hub.exception"]._hub_raise(
            reason, self, connector,
            occurrence_key=f"tracking:{tracking_event.event_uid}",
            description=_(
                "%(tracking)s %(status)s (%(carrier_status)s, reason %(reason)s) at %(location)s on %(at)s",
                tracking=tracking_event.tracking_number, status=tracking_event.status,
                carrier_status=tracking_event.carrier_status or "-", reason=tracking_event.reason or "-",
                location=tracking_event.location or "-", at=iso_utc(tracking_event.occurred_at),
            ),
            event=self.hub_shipment_event_id,
            correlation_id=correlation_id,
            # last_seen is the hub's clock (when the report arrived), not the carrier's: a week-old
            # report that arrives now is news now (hub/clock.py)
            tracking_event=tracking_event,
        )
