import json
import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..hub.envelope import build_envelope, correlation_id_for_transaction, new_message_id
from ..hub.messages import MessageError, check_batch, check_fulfilment_data, check_inbound
from ..hub.status import FULFILMENT_STAGES, fulfilment_stage, is_late_fulfilment

_logger = logging.getLogger(__name__)

# Concurrency failures must abort the whole call so Odoo's RPC layer retries it: the apply is
# idempotent by message id, so a replay only redoes what was rolled back.
RETRYABLE_DB_ERRORS = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected)


class HubEvent(models.Model):
    _name = "hub.event"
    _description = "Logistics Hub Event"
    _order = "id desc"

    uuid = fields.Char(
        string="Message ID", required=True, readonly=True, copy=False, default=lambda self: new_message_id()
    )
    direction = fields.Selection([("out", "Outbound"), ("in", "Inbound")], required=True, default="out", readonly=True)
    # Inbound types depend on the partner, hence no selection.
    event_type = fields.Char(required=True, readonly=True)
    connector_id = fields.Many2one("hub.connector", readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    record_ref = fields.Reference(string="Record", selection="_selection_record_ref", compute="_compute_record_ref")
    correlation_id = fields.Char(readonly=True, index=True)
    payload = fields.Json(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("queued", "Queued"),
            ("delivered", "Delivered"),
            ("dead", "Dead"),
            ("applied", "Applied"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    relayed_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    envelope_preview = fields.Text(string="Message", compute="_compute_envelope_preview")

    _sql_constraints = [("uuid_unique", "UNIQUE(uuid)", "The message id of an event must be unique.")]

    @api.model
    def _selection_record_ref(self):
        return self.env["hub.sync.mixin"]._hub_synced_models()

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        refs = self.env["hub.sync.mixin"]._hub_record_refs(self)
        for event in self:
            event.record_ref = refs.get(event.id, False)

    @api.depends("event_type", "uuid")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"{event.event_type} {(event.uuid or '')[:8]}"

    @api.depends("uuid", "event_type", "create_date", "correlation_id", "res_model", "res_id", "payload")
    def _compute_envelope_preview(self):
        for event in self:
            envelope = build_envelope(
                event.uuid, event.event_type, event.create_date, event.correlation_id,
                event.res_model, event.res_id, event.payload,
            )
            event.envelope_preview = json.dumps(envelope, indent=2, ensure_ascii=False)

    def init(self):
        # The sidecar claims pending rows in id order, and delivers each (connector, record) lane in order.
        tools.create_index(self.env.cr, "hub_event_state_id_index", self._table, ["state", "id"])
        tools.create_index(
            self.env.cr, "hub_event_lane_index", self._table, ["connector_id", "res_model", "res_id", "id"]
        )

    # ------------------------------------------------------------------
    # Outbox
    # ------------------------------------------------------------------

    @api.model
    def _hub_correlation_id(self):
        """One correlation id per transaction, unless the caller forces one.

        Cached in precommit.data as the transaction's scratch space; Odoo empties that dict at every
        savepoint, so the id is derived from the PostgreSQL transaction id rather than drawn at
        random: recomputing it after a savepoint yields the same value.
        """
        forced = self.env.context.get("hub_correlation_id")
        if forced:
            return forced
        data = self.env.cr.precommit.data
        if "logistics_hub.correlation_id" not in data:
            self.env.cr.execute("SELECT txid_current()")
            data["logistics_hub.correlation_id"] = correlation_id_for_transaction(self.env.cr.fetchone()[0])
        return data["logistics_hub.correlation_id"]

    @api.model
    def _hub_emit(self, event_type, records):
        """Write the outbox rows of ``event_type`` for ``records`` in the caller's transaction.

        The rows commit or roll back with the business change that caused them; the NOTIFY is only
        delivered on commit, and the sidecar also polls, so a lost notification only delays.
        """
        if not records:
            return self.browse()
        connectors = self.env["hub.route"]._hub_connectors_for(event_type)
        if not connectors:
            return self.browse()
        correlation_id = self._hub_correlation_id()
        vals_list = []
        # Snapshots must not depend on what the user who triggered the change may read.
        for record in records.sudo():
            payload = record._hub_event_payload(event_type)
            vals_list.extend(
                {
                    "direction": "out",
                    "event_type": event_type,
                    "connector_id": connector.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "correlation_id": correlation_id,
                    "payload": payload,
                    "state": "pending",
                }
                for connector in connectors
            )
        events = self.sudo().create(vals_list)
        self.env["hub.sync.state"].sudo()._hub_reset_pending(events)
        self.env.cr.execute("NOTIFY hub_event")
        _logger.info(
            "hub: %s for %s %s routed to %s correlation_id=%s",
            event_type, records._name, records.ids, connectors.mapped("code"), correlation_id,
        )
        return events

    # ------------------------------------------------------------------
    # Inbound (RPC)
    # ------------------------------------------------------------------

    @api.model
    def _hub_check_manager(self):
        if not self.env.su and not self.env.user.has_group("logistics_hub.group_hub_manager"):
            raise AccessError(_("Only Logistics Hub managers may apply partner messages."))

    @api.model
    def hub_apply_inbound(self, connector_code, messages):
        """Apply partner callbacks (docs/contract.md); idempotent by message id.

        Each message is applied in its own savepoint, so one that fails reports ``error`` and leaves
        neither a trace nor a half-applied picking, while the others still apply.
        """
        self._hub_check_manager()
        try:
            checked = [check_inbound(m, i) for i, m in enumerate(check_batch(messages, "messages"))]
        except MessageError as error:
            raise ValidationError(str(error)) from None
        if not isinstance(connector_code, str) or not connector_code:
            raise ValidationError(_("A connector code is required."))
        connector = self.env["hub.connector"].search([("code", "=", connector_code)], limit=1)
        if not connector:
            raise UserError(_("Unknown or inactive connector: %s", connector_code))

        seen = set(self.search([("uuid", "in", [m["id"] for m in checked])]).mapped("uuid"))
        context = self._hub_inbound_context(connector, checked)
        outcomes = []
        for message in checked:
            if message["id"] in seen:
                outcomes.append({"id": message["id"], "outcome": "duplicate"})
                continue
            seen.add(message["id"])
            outcomes.append(self._hub_apply_message(connector, message, context))
        return outcomes

    @api.model
    def _hub_inbound_context(self, connector, messages):
        """Batch lookups shared by all messages of a call: stage reached and sync state per picking."""
        picking_ids = [
            m["data"]["picking_id"] for m in messages
            if isinstance(m["data"], dict) and isinstance(m["data"].get("picking_id"), int)
        ]
        applied = self.search_read(
            [
                ("direction", "=", "in"),
                ("state", "=", "applied"),
                ("res_model", "=", "stock.picking"),
                ("res_id", "in", picking_ids),
            ],
            ["res_id", "event_type"],
        )
        applied_types = {}
        for row in applied:
            applied_types.setdefault(row["res_id"], []).append(row["event_type"])
        states = self.env["hub.sync.state"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "in", picking_ids), ("connector_id", "=", connector.id)]
        )
        return {
            "applied_types": applied_types,
            "sync_states": {state.res_id: state for state in states},
        }

    @api.model
    def _hub_apply_message(self, connector, message, context):
        result = {"id": message["id"]}
        correlation_id = message["correlation_id"]
        try:
            with self.env.cr.savepoint():
                self_ctx = self.with_context(hub_correlation_id=correlation_id) if correlation_id else self
                result["outcome"] = self_ctx._hub_apply_fulfilment(connector, message, context)
            if result["outcome"] == "applied":
                # Only once the savepoint is released: a rolled back message reached no stage.
                context["applied_types"].setdefault(message["data"]["picking_id"], []).append(message["type"])
        except RETRYABLE_DB_ERRORS:
            raise
        except pg_errors.UniqueViolation:
            # Another transaction recorded the same message id while we were applying it.
            result["outcome"] = "duplicate"
        except (MessageError, UserError, ValidationError, AccessError) as error:
            result.update(outcome="error", error=str(error))
        except Exception:
            _logger.exception(
                "hub: inbound %s from %s failed correlation_id=%s", message["id"], connector.code, correlation_id
            )
            result.update(outcome="error", error=_("Unexpected error, see the Odoo log (message %s).", message["id"]))
        if result["outcome"] == "error":
            _logger.warning(
                "hub: inbound %s %s from %s rejected: %s correlation_id=%s",
                message["id"], message["type"], connector.code, result["error"], correlation_id,
            )
        return result

    @api.model
    def _hub_apply_fulfilment(self, connector, message, context):
        if message["type"] not in FULFILMENT_STAGES:
            raise MessageError(_("Unsupported message type %s.", message["type"]))
        data = check_fulfilment_data(message["data"])
        picking = self.env["stock.picking"].browse(data["picking_id"]).exists()
        if not picking:
            raise UserError(_("Picking %s does not exist.", data["picking_id"]))
        sync_state = context["sync_states"].get(picking.id)
        if not sync_state:
            # A partner may only act on deliveries that were sent to it.
            raise UserError(_("Picking %(picking)s was never sent to connector %(connector)s.",
                              picking=picking.name, connector=connector.code))
        # Recorded first: a concurrent apply of the same id blocks here, then fails as a duplicate.
        event = self.create({
            "uuid": message["id"],
            "direction": "in",
            "event_type": message["type"],
            "connector_id": connector.id,
            "res_model": "stock.picking",
            "res_id": picking.id,
            "correlation_id": message["correlation_id"],
            "payload": message["data"],
            "state": "applied",
            "done_at": fields.Datetime.now(),
        })
        reached = fulfilment_stage(context["applied_types"].get(picking.id, ()), picking.state == "done")
        if picking.state == "cancel" or is_late_fulfilment(message["type"], reached):
            event.state = "ignored"
            outcome = "ignored"
        else:
            if message["type"] == "fulfilment.picked":
                picking._hub_apply_picked(data["lines"])
            else:
                picking._hub_apply_shipped(data["lines"])
                sync_state._hub_acknowledge(data["external_ref"])
            outcome = "applied"
        picking.message_post(body=_(
            "%(type)s from %(connector)s (reference %(ref)s): %(outcome)s",
            type=message["type"], connector=connector.name, ref=data["external_ref"] or "-", outcome=outcome,
        ))
        _logger.info(
            "hub: inbound %s %s on %s from %s %s correlation_id=%s",
            message["id"], message["type"], picking.name, connector.code, outcome, message["correlation_id"],
        )
        return outcome
