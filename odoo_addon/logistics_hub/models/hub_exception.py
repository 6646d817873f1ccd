import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..hub.incidents import (
    DRIFT_REASONS,
    PARKED_REASONS,
    SETTLED_BY_BOOKING,
    SETTLED_OUTCOMES,
    park_occurrence_key,
    parked_connector_code,
)
from ..hub.lifecycle import can_cancel
from ..hub.messages import MessageError, check_batch, check_park
from ..hub.preview import masked_json

_logger = logging.getLogger(__name__)

REASON_SELECTION = [
    ("address_invalid", "Invalid address"),
    ("lost_parcel", "Lost parcel"),
    ("damaged", "Damaged"),
    ("delivery_failed", "Delivery failed"),
    ("label_failure", "Label failure"),
    ("no_carrier", "No carrier available"),
    ("partner_rejected", "Rejected by partner"),
    ("route_deviation", "Route deviation"),
    ("unknown_status", "Unknown partner status"),
    ("process_failed", "Business process failed"),
    ("short_shipment", "Shipped short"),
    ("not_rated", "Shipment not rated"),
    ("freight_variance", "Freight bill variance"),
    ("unacknowledged", "Never acknowledged by partner"),
    ("no_carrier_scan", "No carrier scan"),
    ("not_invoiced", "Delivered, not invoiced"),
    ("status_lagging", "Partner status lagging"),
    ("inbound_rejected", "Partner message not applied"),
    ("writeback_rejected", "Delivery result not applied"),
    ("timer_rejected", "Process deadline not applied"),
    ("other", "Other"),
]
PARKED_KIND_SELECTION = [("inbound", "Partner message"), ("writeback", "Delivery result"), ("process_timer", "Process deadline")]
OPEN_STATES = ("open", "in_progress")
# What a Hub User may change: who handles it. Everything else goes through the managers' actions.
USER_WRITABLE_FIELDS = {"user_id"}


class HubException(models.Model):
    """Something a person must handle: a booking no carrier took, a rejected delivery, a lost parcel.

    One open exception per (record, connector, reason): a repeat counts as another occurrence.
    A partner message or delivery result Odoo refused is "parked" instead: the exception stores the
    item as the sidecar sent it, one open per (kind, key), and Apply again re-applies it in Odoo.
    """

    _name = "hub.exception"
    _description = "Logistics Hub Exception"
    _inherit = ["hub.record.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "last_seen desc, id desc"

    name = fields.Char(readonly=True, copy=False, default="/")
    reason = fields.Selection(REASON_SELECTION, required=True, readonly=True, tracking=True)
    state = fields.Selection(
        [("open", "Open"), ("in_progress", "In Progress"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        required=True,
        default="open",
        readonly=True,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one("res.users", string="Assigned To", tracking=True, index=True)
    res_model = fields.Char(string="Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True, index=True)
    picking_id = fields.Many2one("stock.picking", string="Delivery", ondelete="cascade", readonly=True, index=True)
    connector_id = fields.Many2one("hub.connector", ondelete="cascade", readonly=True, index=True)
    # Carrier actions (another carrier, cancel the shipment) only make sense for a carrier's exceptions.
    connector_kind = fields.Selection(related="connector_id.kind", string="Partner Kind")
    event_id = fields.Many2one(
        "hub.event", string="Event to Retry", ondelete="set null", readonly=True,
        help="The outbound event a retry replays (to the same connector, with a fresh snapshot).",
    )
    tracking_event_id = fields.Many2one("hub.tracking.event", ondelete="set null", readonly=True)
    correlation_id = fields.Char(readonly=True, index=True)
    description = fields.Text(readonly=True)
    occurrences = fields.Integer(default=1, readonly=True)
    last_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    # The result or tracking event last counted: applying the same one again must not count twice.
    occurrence_key = fields.Char(readonly=True, copy=False)
    # The workbench's "what will be resent": the envelope a Retry would write now.
    replay_preview = fields.Text(string="Resend Preview", compute="_compute_replay_preview")
    # A parked item: what Odoo refused, kept exactly as sent so that Apply again can re-apply it.
    parked_kind = fields.Selection(PARKED_KIND_SELECTION, readonly=True)
    parked_item = fields.Json(readonly=True, copy=False)
    parked_key = fields.Char(
        readonly=True, index=True, copy=False,
        help="Inbound: <connector code>:<message id>; delivery result: <event uuid>:<attempt>:<status>.",
    )
    parked_preview = fields.Text(string="Item Not Applied", compute="_compute_parked_preview")

    @api.depends("event_id")
    def _compute_replay_preview(self):
        for exception in self:
            # A fresh snapshot of the record, secrets masked; the message id is drawn when it is written.
            exception.replay_preview = exception.event_id._hub_replay_preview() if exception.event_id else False

    @api.depends("parked_item")
    def _compute_parked_preview(self):
        for exception in self:
            # Shown masked (screens get shared); Apply again uses the stored item unchanged.
            exception.parked_preview = masked_json(exception.parked_item) if exception.parked_kind else False

    @api.model_create_multi
    def create(self, vals_list):
        exceptions = super().create(vals_list)
        for exception in exceptions:
            exception.name = f"EXC/{exception.id}"
        return exceptions

    def write(self, vals):
        if (
            not self.env.su
            and set(vals) - USER_WRITABLE_FIELDS
            and not self.env.user.has_group("logistics_hub.group_hub_manager")
        ):
            raise AccessError(_("Only Logistics Hub managers may handle exceptions; users may assign them."))
        result = super().write(vals)
        if vals.get("state") in ("resolved", "cancelled"):
            # Whoever or whatever closed it, nobody should still have it on their to-do list.
            self.sudo().activity_feedback(["mail.mail_activity_data_todo"], feedback=_("Exception closed."))
        return result

    def _hub_assign_activity(self):
        """A to-do for the connector's responsible, or for every Logistics Hub manager when it has none."""
        manager_group = self.env.ref("logistics_hub.group_hub_manager")
        for exception in self.sudo():
            users = exception.connector_id.responsible_user_id or manager_group.users.filtered(
                lambda u: u.active and not u.share and u.id != self.env.ref("base.user_root").id)
            for user in users:
                exception.activity_schedule(
                    "mail.mail_activity_data_todo", user_id=user.id,
                    summary=_("%(reason)s on %(record)s", reason=dict(REASON_SELECTION)[exception.reason],
                              record=exception.record_ref.display_name if exception.record_ref else exception.connector_id.name or "-"),
                    note=exception.description or False,
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _hub_check_actionable(self):
        self.env["hub.event"]._hub_check_manager()
        for exception in self:
            if exception.state not in OPEN_STATES:
                raise UserError(_("Exception %s is closed already.", exception.name))

    def action_assign_to_me(self):
        self.user_id = self.env.user
        for exception in self:
            exception.message_post(body=_("Assigned to %s.", self.env.user.name))
        return True

    def action_retry(self):
        """Send the event again, through the dialog that says what will be sent and asks first; the
        exception follows the new event (hub.event._hub_follow_replay).

        A parked exception applies its item again instead (``_hub_apply_parked``).
        """
        self.ensure_one()
        self._hub_check_actionable()
        if self.parked_kind:
            return self._hub_apply_parked()
        if not self.event_id:
            raise UserError(_("Exception %s has no event to retry.", self.name))
        return self.env["hub.resend.wizard"].with_context(hub_exception_id=self.id)._hub_open(self.event_id)

    def _hub_apply_parked(self):
        """Apply the parked item again through the RPC method the sidecar calls, which is idempotent:
        a message or result applied meanwhile changes nothing there.

        Settled (applied, or nothing left to apply) -> resolved. Refused again -> this exception stays
        open with the new error; the refusal is filed on it, never on a second exception.
        """
        connector = self._hub_parked_connector() if self.parked_kind == "inbound" else None
        Parking = self.with_context(hub_park_exception_id=self.id)
        try:
            with self.env.cr.savepoint():
                if connector:
                    answer = Parking.env["hub.event"].hub_apply_inbound(connector.code, [self.parked_item])
                elif self.parked_kind == "process_timer":
                    answer = Parking.env["hub.process.step"].hub_fire_timers([self.parked_item])
                else:
                    answer = Parking.env["hub.sync.state"].hub_apply_results([self.parked_item])
            outcome, error = answer[0]["outcome"], answer[0].get("error")
        except (UserError, ValidationError) as refusal:
            outcome, error = "error", str(refusal)
        if outcome in SETTLED_OUTCOMES:
            self.sudo().state = "resolved"
            note = _("Applied again by %(user)s: %(outcome)s (%(meaning)s).",
                     user=self.env.user.name, outcome=outcome, meaning=self._hub_settled_meaning(outcome))
            self.message_post(body=note)
            return self._hub_notification("success", _("Applied"), note)
        error = error or outcome
        Parking._hub_park(self.parked_kind, self.parked_key, self.parked_item, error)
        note = _("Applied again by %(user)s, still not applied: %(error)s", user=self.env.user.name, error=error)
        self.message_post(body=note)
        return self._hub_notification("warning", _("Still not applied"), note)

    def _hub_parked_connector(self):
        """The connector a parked partner message is applied on again: its own, or the one its key
        names when it was unknown at parking time. Raises when it is gone or archived."""
        self.ensure_one()
        connector = self.connector_id
        code = connector.code or parked_connector_code(self.parked_key)
        if not connector and code:
            connector = self.env["hub.connector"].with_context(active_test=False).search([("code", "=", code)], limit=1)
        if not connector:
            raise UserError(_(
                "The connector of this partner message (%s) no longer exists: create a connector with "
                "that code to apply the message again, or resolve the exception.", code or _("unknown"),
            ))
        if not connector.active:
            raise UserError(_(
                "Connector %s is archived: restore it to apply its message again, or resolve the exception.",
                connector.name,
            ))
        return connector

    @api.model
    def _hub_settled_meaning(self, outcome):
        return {
            "applied": _("Odoo applied it now"),
            "duplicate": _("it had been applied already; nothing changed"),
            "ignored": _("stored, but a later stage had been applied already"),
            "stale": _("a newer result had been applied already; nothing changed"),
            "unknown_event": _("its outbound event no longer exists; nothing to apply it to"),
            "fired": _("the step's deadline was applied now"),
            "missing": _("its process step no longer exists; nothing to apply it to"),
        }[outcome]

    @api.model
    def _hub_notification(self, kind, title, message):
        # Closing "next" reloads the form, so the new state and chatter show.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind, "title": title, "message": message, "sticky": kind != "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_choose_carrier(self):
        self.ensure_one()
        self._hub_check_actionable()
        self._hub_check_carrier_action()
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_hub.hub_exception_carrier_wizard_action")
        action["context"] = {"default_exception_id": self.id}
        return action

    def _hub_check_carrier_action(self):
        for exception in self:
            if not exception.picking_id or exception.parked_kind or exception.connector_kind != "carrier":
                raise UserError(_("Exception %s is not about a carrier's shipment: carrier actions do not apply.",
                                  exception.name))

    def action_cancel(self):
        """Cancel the shipment (unless it was delivered already) and close the exception."""
        self._hub_check_actionable()
        self._hub_check_carrier_action()
        for exception in self:
            picking = exception.picking_id.sudo()
            if not picking:
                note = _("No shipment to cancel.")
            elif can_cancel(picking.hub_shipment_status):
                picking.hub_shipment_status = "cancelled"
                picking.message_post(body=_("Shipment %(tracking)s cancelled (exception %(exception)s).",
                                            tracking=picking.hub_tracking_number or "-", exception=exception.name))
                note = _("Shipment cancelled.")
            else:
                note = _("The shipment is %s already: it stays so.", picking.hub_shipment_status)
            exception.sudo().state = "cancelled"
            exception.message_post(body=note)
        return True

    def action_resolve(self):
        self._hub_check_actionable()
        self.sudo().state = "resolved"
        for exception in self:
            exception.message_post(body=_("Resolved by %s.", self.env.user.name))
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def hub_report_drift(self, items):
        """Record drift found by the sidecar's reconciliation as exceptions (docs/contract.md).

        Each item: ``{res_model, res_id, connector_code, reason, description, correlation_id,
        event_uuid}``. Idempotent per (record, connector, reason, day): the daily run of the same
        finding counts once a day. When the event that should have done the job is known, the
        exception's Retry re-sends it (the one-click repair).
        """
        self.env["hub.event"]._hub_check_manager()
        if not isinstance(items, list) or len(items) > 500:
            raise ValidationError(_("Drift items must be a list of at most 500 entries."))
        outcomes = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or item.get("reason") not in DRIFT_REASONS \
                    or not isinstance(item.get("res_id"), int) or item.get("res_model") not in self.env:
                raise ValidationError(_("Drift item %s is malformed.", index))
            record = self.env[item["res_model"]].browse(item["res_id"]).exists()
            connector = self.env["hub.connector"].with_context(active_test=False).search(
                [("code", "=", item.get("connector_code"))], limit=1)
            if not record or not connector:
                outcomes.append({"index": index, "outcome": "unknown_record"})
                continue
            description = item.get("description")
            if item["reason"] == "not_invoiced" and record._name == "stock.picking":
                # the repair: charges the delivery is missing, invoiced under the customer's policy, once
                charges = self.env["hub.charge"]._hub_charge_delivery(record)
                if charges:
                    self.env["hub.charge"]._hub_invoice_by_policy(record)
                    description = _("%(description)s; %(count)s missing charge(s) recomputed from the rate card",
                                    description=description or "", count=len(charges))
            # Outbound only: a partner's inbound message may carry the same id (unique per connector).
            event = self.env["hub.event"].search(
                [("uuid", "=", item.get("event_uuid")), ("direction", "=", "out")], limit=1) \
                if item.get("event_uuid") else self.env["hub.event"]
            exception = self._hub_raise(
                item["reason"], record, connector,
                occurrence_key=f"drift:{item['reason']}:{fields.Date.context_today(self)}",
                description=description, event=event or None,
                correlation_id=item.get("correlation_id"),
            )
            outcomes.append({"index": index, "outcome": "reported", "exception": exception.name})
        return outcomes

    @api.model
    def hub_park(self, items):
        """Park items Odoo refused even when sent alone (docs/contract.md), e.g. a malformed result
        that rejects the whole ``hub_apply_results`` call: each becomes a hub.exception storing it.

        Each item: ``{kind: "inbound"|"writeback", connector_code, key, item, error, correlation_id}``.
        Idempotent per (kind, key). Returns ``[{index, outcome: "parked", exception}]``.
        """
        self.env["hub.event"]._hub_check_manager()
        try:
            checked = [check_park(item, i) for i, item in enumerate(check_batch(items, "items"))]
        except MessageError as error:
            raise ValidationError(str(error)) from None
        outcomes = []
        for index, park in enumerate(checked):
            if park["kind"] == "inbound":
                connector, record, correlation_id = self._hub_park_inbound_target(park)
            elif park["kind"] == "process_timer":
                connector, record, correlation_id = self._hub_park_timer_target(park)
            else:
                connector, record, correlation_id = self._hub_park_writeback_target(park)
            exception = self._hub_park(
                park["kind"], park["key"], park["item"], park["error"], connector=connector, record=record,
                correlation_id=park["correlation_id"] or correlation_id,
            )
            outcomes.append({"index": index, "outcome": "parked", "exception": exception.name})
        return outcomes

    @api.model
    def _hub_park_inbound_target(self, park):
        """Connector (by code, archived ones too), delivery and correlation id of a parked message."""
        Connector = self.env["hub.connector"].with_context(active_test=False)
        code = park["connector_code"] or parked_connector_code(park["key"])
        connector = Connector.search([("code", "=", code)], limit=1) if code else Connector
        message = park["item"]
        record = self.env["hub.event"]._hub_message_picking(connector, message)
        correlation_id = message.get("correlation_id")
        return connector, record, correlation_id if isinstance(correlation_id, str) else None

    @api.model
    def _hub_park_timer_target(self, park):
        """No connector; the process of a parked deadline (its step may be gone) and its correlation id."""
        step_id = park["item"].get("step_id")
        step = self.env["hub.process.step"].sudo().browse(step_id).exists() if isinstance(step_id, int) else None
        process = step.process_id if step else None
        return None, process, process.correlation_id if process else None

    @api.model
    def _hub_park_writeback_target(self, park):
        """Connector, record and correlation id of a parked delivery result, from its outbound event
        when it exists (else the connector the sidecar names, archived ones too)."""
        uuid = park["item"].get("event_uuid")
        event = self.env["hub.event"].sudo().search(
            [("uuid", "=", uuid), ("direction", "=", "out")], limit=1) if isinstance(uuid, str) and uuid else None
        if event:
            record = self.env[event.res_model].sudo().browse(event.res_id).exists() \
                if event.res_model in self.env and event.res_id else None
            return event.connector_id, record, event.correlation_id
        connector = self.env["hub.connector"].with_context(active_test=False).search(
            [("code", "=", park["connector_code"])], limit=1) if park["connector_code"] else None
        return connector, None, None

    @api.model
    def _hub_park(self, kind, key, item, error, connector=None, record=None, correlation_id=None):
        """Open the parked exception of (kind, key) holding ``item`` as sent, or count one more
        occurrence of it.

        Idempotent: the same item refused with the same error (a replayed call) counts once. Within
        Apply again (``hub_park_exception_id`` in the context) the refusal is filed on that exception,
        which posts its own note.
        """
        at = fields.Datetime.now()
        retried = self.env.context.get("hub_park_exception_id")
        if retried:
            exception = self.sudo().browse(retried)
        else:
            exception = self.sudo().search([
                ("parked_kind", "=", kind),
                ("parked_key", "=", key),
                ("state", "in", OPEN_STATES),
            ], order="id desc", limit=1)
        occurrence_key = park_occurrence_key(kind, key, error)
        if exception and exception.occurrence_key == occurrence_key:
            return exception
        vals = {
            "description": error,
            "last_seen": at,
            "occurrence_key": occurrence_key,
            "correlation_id": correlation_id or exception.correlation_id or False,
        }
        if exception:
            vals.update(occurrences=exception.occurrences + 1, state="open")
            if record and not exception.res_id:
                vals.update(res_model=record._name, res_id=record.id,
                            picking_id=record.id if record._name == "stock.picking" else False)
            exception.write(vals)
            if not retried:
                exception.message_post(body=_("Refused again (%(count)s times): %(error)s",
                                              count=exception.occurrences, error=error))
            return exception
        exception = self.sudo().create(dict(
            vals,
            reason=PARKED_REASONS[kind],
            parked_kind=kind,
            parked_key=key,
            parked_item=item,
            res_model=record._name if record else False,
            res_id=record.id if record else False,
            picking_id=record.id if record and record._name == "stock.picking" else False,
            connector_id=connector.id if connector else False,
        ))
        exception._hub_assign_activity()
        if record and hasattr(record, "message_post"):
            record.sudo().message_post(body=_(
                "Exception %(exception)s opened: %(reason)s (%(error)s)",
                exception=exception.name, reason=dict(REASON_SELECTION)[exception.reason], error=error,
            ))
        _logger.info("hub: %s %s parked as %s on %s correlation_id=%s",
                     kind, key, exception.name, connector.code if connector else "-", correlation_id)
        return exception

    @api.model
    def _hub_raise(self, reason, record, connector, occurrence_key, description=None, event=None,
                   correlation_id=None, tracking_event=None, at=None):
        """Open the exception of (record, connector, reason), or count one more occurrence of it.

        Idempotent: the same occurrence (result or tracking event) applied twice counts once.
        """
        at = at or fields.Datetime.now()
        exception = self.sudo().search([
            ("res_model", "=", record._name),
            ("res_id", "=", record.id),
            ("connector_id", "=", connector.id),
            ("reason", "=", reason),
            ("state", "in", OPEN_STATES),
        ], order="id desc", limit=1)
        if exception and exception.occurrence_key == occurrence_key:
            return exception
        vals = {
            "description": description or False,
            "last_seen": at,
            "occurrence_key": occurrence_key,
            "correlation_id": correlation_id or exception.correlation_id or False,
        }
        if event:
            vals["event_id"] = event.id
        if tracking_event:
            vals["tracking_event_id"] = tracking_event.id
        if exception:
            # A retry that failed again needs a person again.
            vals.update(occurrences=exception.occurrences + 1, state="open")
            exception.write(vals)
            exception.message_post(body=_("Occurred again (%(count)s times): %(description)s",
                                          count=exception.occurrences, description=description or "-"))
        else:
            exception = self.sudo().create(dict(
                vals,
                reason=reason,
                res_model=record._name,
                res_id=record.id,
                picking_id=record.id if record._name == "stock.picking" else False,
                connector_id=connector.id,
            ))
            exception._hub_assign_activity()
            record_name = record.display_name
            if hasattr(record, "message_post"):
                record.sudo().message_post(body=_("Exception %(exception)s opened on %(connector)s: %(reason)s",
                                           exception=exception.name, connector=connector.name,
                                           reason=dict(REASON_SELECTION)[reason]))
            _logger.info("hub: exception %s (%s) opened on %s for %s correlation_id=%s",
                         exception.name, reason, connector.code, record_name, correlation_id)
        return exception

    @api.model
    def _hub_resolve_after_sent(self, event):
        """A delivery that went through settles its record's booking failures on its connector, and
        the exceptions whose retry it was."""
        exceptions = self.sudo().search([
            ("state", "in", OPEN_STATES),
            "|",
            # Only a retry a person launched: a replayed result of the booking that preceded a lost
            # parcel must not settle it.
            "&", ("event_id", "=", event.id), ("state", "=", "in_progress"),
            "&", "&", "&", "&",
            ("res_model", "=", event.res_model),
            ("res_id", "=", event.res_id),
            ("connector_id", "=", event.connector_id.id),
            ("reason", "in", SETTLED_BY_BOOKING),
            ("tracking_event_id", "=", False),
        ])
        exceptions.write({"state": "resolved"})
        for exception in exceptions:
            exception.message_post(body=_(
                "Resolved automatically: %(type)s was delivered to %(connector)s (event %(event)s).",
                type=event.event_type, connector=event.connector_id.name, event=event.uuid,
            ))
        return exceptions
