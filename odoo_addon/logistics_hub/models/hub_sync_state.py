import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..hub.channels import SYNC_NOTIFICATION_TYPE, sync_channel
from ..hub.incidents import SHIPPING_ADAPTERS, result_exception_reason
from ..hub.messages import MessageError, check_batch, check_result
from ..hub.process_signals import COMPENSATION_EVENT_TYPES
from ..hub.status import is_stale

_logger = logging.getLogger(__name__)

# The documents a business process follows (hub.process._hub_signal).
PROCESS_MODELS = ("sale.order", "stock.picking", "account.move")
# What a warehouse is sent: the order and the delivery it is to fulfil.
WAREHOUSE_EVENT_TYPES = ("order.confirmed", "picking.ready")
COMPENSATION_EVENTS = frozenset(COMPENSATION_EVENT_TYPES.values())

SYNC_STATUS_SELECTION = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("failed", "Failed"),
    ("dead", "Dead"),
]


class HubSyncState(models.Model):
    _name = "hub.sync.state"
    _inherit = ["hub.record.mixin"]
    _description = "Logistics Hub Sync State"
    _order = "write_date desc, id desc"

    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True, readonly=True)
    connector_id = fields.Many2one("hub.connector", required=True, ondelete="cascade", readonly=True, index=True)
    status = fields.Selection(SYNC_STATUS_SELECTION, required=True, default="pending", readonly=True)
    attempts = fields.Integer(readonly=True, help="Delivery attempts made for the last event.")
    last_error = fields.Text(readonly=True)
    external_ref = fields.Char(string="External Reference", readonly=True)
    confirmed_ref = fields.Char(
        string="Confirmed Reference", readonly=True,
        help="The partner reference the partner confirmed (callback or booking). A re-sent request the "
        "partner answers with this same reference stays acknowledged.",
    )
    correlation_id = fields.Char(readonly=True)
    last_event_id = fields.Many2one("hub.event", string="Last Event", ondelete="set null", readonly=True)
    last_attempt = fields.Integer(readonly=True)
    last_sync_at = fields.Datetime(string="Last Sync", readonly=True)

    _sql_constraints = [
        (
            "record_connector_unique",
            "UNIQUE(res_model, res_id, connector_id)",
            "A record has one sync state per connector.",
        ),
    ]

    @api.depends("connector_id.name", "res_model", "res_id")
    def _compute_display_name(self):
        for state in self:
            record = state.record_ref.display_name if state.record_ref else f"{state.res_model},{state.res_id}"
            state.display_name = f"{state.connector_id.name}: {record}"

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _hub_states_by_key(self, keys):
        """Existing states of ``(res_model, res_id, connector_id)`` keys, in one query."""
        keys = set(keys)
        if not keys:
            return {}
        states = self.search([
            ("res_model", "in", list({k[0] for k in keys})),
            ("res_id", "in", list({k[1] for k in keys})),
            ("connector_id", "in", list({k[2] for k in keys})),
        ])
        by_key = {(s.res_model, s.res_id, s.connector_id.id): s for s in states}
        return {key: state for key, state in by_key.items() if key in keys}

    @api.model
    def _hub_write_by_key(self, vals_by_key, states):
        """Write or create the state of each key; the single write path of this model."""
        to_create = []
        for key, vals in vals_by_key.items():
            if key in states:
                states[key].write(vals)
            else:
                res_model, res_id, connector_id = key
                to_create.append(dict(vals, res_model=res_model, res_id=res_id, connector_id=connector_id))
        self.create(to_create)
        self._hub_invalidate_record_badges({key[0] for key in vals_by_key})
        self._hub_notify_changed(vals_by_key)

    @api.model
    def _hub_notify_changed(self, keys):
        """Push the new badges of the records of ``keys`` to the browsers following them.

        One bus notification per record on its own channel (hub/channels.py); ir.websocket lets only
        hub users who may read the record subscribe. bus.bus writes in precommit and notifies in
        postcommit, so a write-back that rolls back shows nothing. The documents aggregating these
        records (a delivery's or an invoice's sale order) are notified too, with their own badges:
        a form showing their aggregate reloads it.
        """
        ids_by_model = {}
        for res_model, res_id, _connector_id in keys:
            ids_by_model.setdefault(res_model, set()).add(res_id)
        for res_model, res_ids in list(ids_by_model.items()):
            if res_model in self.env:
                for parents in self.env[res_model].sudo().browse(res_ids).exists()._hub_sync_parents():
                    ids_by_model.setdefault(parents._name, set()).update(parents.ids)
        bus = self.env["bus.bus"].sudo()
        for res_model, res_ids in ids_by_model.items():
            if res_model not in self.env:
                continue
            badges = self.env[res_model]._hub_badges_by_record(res_ids)
            for res_id in sorted(res_ids):
                bus._sendone(sync_channel(res_model, res_id), SYNC_NOTIFICATION_TYPE, {
                    "model": res_model, "id": res_id, "badges": badges.get(res_id, []),
                })

    @api.model
    def _hub_invalidate_record_badges(self, res_models):
        # hub_sync_status has no ORM dependency on this model: drop what the cache computed. Any
        # synced document may be part of a sale order's aggregate status.
        for model in set(res_models) | {"sale.order"}:
            if model in self.env:
                self.env[model].invalidate_model(list(self.env[model]._hub_sync_fields))

    def _hub_acknowledge(self, external_ref):
        """The partner confirmed the record through a callback (inbound), not a delivery result."""
        now = fields.Datetime.now()
        vals_by_key = {}
        for state in self:
            ref = external_ref or state.external_ref
            vals_by_key[(state.res_model, state.res_id, state.connector_id.id)] = {
                "status": "acknowledged", "last_error": False, "last_sync_at": now,
                "external_ref": ref, "confirmed_ref": ref,
            }
        self._hub_write_by_key(vals_by_key, {(s.res_model, s.res_id, s.connector_id.id): s for s in self})

    @api.model
    def hub_apply_results(self, results):
        """Apply delivery results of the sidecar (docs/contract.md).

        Ordered by (event id, attempt): stale results change nothing, so replays and reordering are
        safe, and applying the same result twice leaves the same state. The delivery attempt a result
        reports (``delivery``) is kept as history whether or not the result is stale, once per
        (event, attempt) (hub.event.attempt).
        """
        self.env["hub.event"]._hub_check_manager()
        try:
            checked = [check_result(r, i) for i, r in enumerate(check_batch(results, "results"))]
        except MessageError as error:
            raise ValidationError(str(error)) from None

        events = self.env["hub.event"].search(
            [("uuid", "in", list({r["event_uuid"] for r in checked})), ("direction", "=", "out")]
        )
        event_by_uuid = {e.uuid: e for e in events if e.res_model and e.res_id and e.connector_id}
        outbound_by_uuid = {e.uuid: e for e in events}
        self.env["hub.event.attempt"]._hub_record([
            (outbound_by_uuid[r["event_uuid"]], r) for r in checked
            if r["delivery"] and r["event_uuid"] in outbound_by_uuid
        ])
        keys = {(e.res_model, e.res_id, e.connector_id.id) for e in event_by_uuid.values()}
        states = self._hub_states_by_key(keys)
        current = {
            key: (state.last_event_id.id, state.last_attempt, state.status) for key, state in states.items()
        }
        vals_by_key = {}
        outcomes = []
        applied = []
        for result in checked:
            event = event_by_uuid.get(result["event_uuid"])
            if not event:
                outcomes.append({"event_uuid": result["event_uuid"], "outcome": "unknown_event"})
                continue
            key = (event.res_model, event.res_id, event.connector_id.id)
            incoming = (event.id, result["attempt"], result["status"])
            if is_stale(current.get(key), incoming):
                outcomes.append({"event_uuid": result["event_uuid"], "outcome": "stale"})
                continue
            current[key] = incoming
            vals = vals_by_key.setdefault(key, {})
            vals.update({
                "status": result["status"],
                "last_event_id": event.id,
                "last_attempt": result["attempt"],
                "attempts": result["attempt"],
                "correlation_id": event.correlation_id,
                "last_error": result["error"] if result["status"] in ("failed", "dead") else False,
                "last_sync_at": result["at"] or fields.Datetime.now(),
            })
            if result["external_ref"]:
                vals["external_ref"] = result["external_ref"]
                if result["status"] == "sent" and key in states and states[key].confirmed_ref == result["external_ref"]:
                    # A re-sent request the partner deduplicated: it answered with what it confirmed.
                    vals["status"] = "acknowledged"
            outcomes.append({"event_uuid": result["event_uuid"], "outcome": "applied"})
            applied.append((event, result))
            _logger.info(
                "hub: result %s attempt %s for %s on %s applied correlation_id=%s",
                result["status"], result["attempt"], event.uuid, event.connector_id.code, event.correlation_id,
            )
        self._hub_write_by_key(vals_by_key, states)
        self._hub_apply_result_effects(applied)
        return outcomes

    @api.model
    def _hub_apply_result_effects(self, applied):
        """What applied results mean beyond the sync state: the shipment a result booked, the
        exception a person must handle, the exceptions a delivery settles, and the milestone it is
        for the business processes (or the compensation it settles). Each is idempotent,
        and they run in result order (a batch may hold a success and a newer failure)."""
        Exceptions = self.env["hub.exception"].sudo()
        # Most batches touch records without any open exception: skip the per-result lookups then.
        may_settle = bool(Exceptions.search_count([
            ("state", "in", ("open", "in_progress")),
            ("res_id", "in", list({event.res_id for event, _result in applied})),
        ], limit=1))
        for event, result in applied:
            if event.event_type in COMPENSATION_EVENTS and result["status"] in ("sent", "acknowledged", "dead"):
                # what a failed process sent to undo a step: settled whatever became of its record
                self.env["hub.process.step"]._hub_compensation_settled(event, result["status"] != "dead")
            if event.res_model not in self.env:
                continue
            record = self.env[event.res_model].sudo().browse(event.res_id).exists()
            if not record:
                continue
            if result["status"] == "sent":
                if result["shipment"] and record._name == "stock.picking":
                    record._hub_record_shipment(event, result["shipment"])
                if result["external_ref"] and record._name == "hub.charge":
                    record._hub_billed_externally(result["external_ref"])
                if may_settle:
                    Exceptions._hub_resolve_after_sent(event)
            else:
                reason = result_exception_reason(result["status"], result["error"], event.connector_id.adapter)
                if reason:
                    Exceptions._hub_raise(
                        reason, record, event.connector_id,
                        occurrence_key=f"result:{event.uuid}:{result['attempt']}:{result['status']}",
                        description=result["error"],
                        event=event,
                        correlation_id=event.correlation_id,
                        at=result["at"],
                    )
                    may_settle = True
            self._hub_result_process_signal(event, result, record)

    @api.model
    def _hub_result_process_signal(self, event, result, record):
        """What an applied delivery result means for the business processes (hub.process).

        A result may be a milestone (hub/process_signals.py): the warehouse took or refused the
        delivery, a carrier booked it or could not, or a message was dead-lettered. Each (event,
        status) is one occurrence, so a replayed result changes no process twice. Failed results are
        retried and mean nothing yet; a compensation's result only settles it (above).
        """
        status = result["status"]
        if status not in ("sent", "acknowledged", "dead") or event.event_type in COMPENSATION_EVENTS:
            return
        if record._name not in PROCESS_MODELS:
            return
        signal, data = result_process_signal(event, result, record), {"event_type": event.event_type}
        if not signal:
            return
        if signal in ("shipment.booked", "return.label_created"):
            data.update(tracking_number=record.hub_tracking_number, carrier=record.hub_carrier_connector_id.code or None)
        elif status == "dead":
            data["error"] = result["error"]
        self.env["hub.process"]._hub_signal(
            signal, record, f"{event.uuid}:{status}", occurred_at=result["at"], connector=event.connector_id, data=data,
        )


def result_process_signal(event, result, record):
    """The process signal of an applied delivery result of ``event`` on ``record``, or None."""
    connector, status = event.connector_id, result["status"]
    books = connector.adapter in SHIPPING_ADAPTERS
    to_warehouse = event.event_type in WAREHOUSE_EVENT_TYPES
    if status == "dead":
        if books and record._name == "stock.picking":
            return "shipment.booking_failed"
        if to_warehouse and connector.kind == "wms":
            return "warehouse.rejected"
        return "delivery.dead"
    if result["shipment"] and record._name == "stock.picking" and record.hub_shipment_event_id == event:
        # this result booked the delivery's current shipment (an older booking's replay did not)
        return "return.label_created" if record.env["hub.process"]._hub_is_return(record) else "shipment.booked"
    # A warehouse acknowledges what it was sent either later (acknowledged) or, like the WMS adapter,
    # synchronously by answering the request with its fulfilment (sent). A booking connector's
    # acknowledgement is its booking, not the warehouse's.
    if to_warehouse and not books and (status == "acknowledged" or connector.kind == "wms"):
        return "warehouse.acknowledged"
    return None
