import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..hub.incidents import DRIFT_REASONS, SETTLED_BY_BOOKING
from ..hub.lifecycle import can_cancel

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
    ("unacknowledged", "Never acknowledged by partner"),
    ("no_carrier_scan", "No carrier scan"),
    ("not_invoiced", "Delivered, not invoiced"),
    ("status_lagging", "Partner status lagging"),
    ("other", "Other"),
]
OPEN_STATES = ("open", "in_progress")
# What a Hub User may change: who handles it. Everything else goes through the managers' actions.
USER_WRITABLE_FIELDS = {"user_id"}


class HubException(models.Model):
    """Something a person must handle: a booking no carrier took, a rejected delivery, a lost parcel.

    One open exception per (record, connector, reason): a repeat counts as another occurrence.
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
    # The workbench's "what will be resent" (owl_ui issue 6): the envelope a Retry would write now.
    replay_preview = fields.Text(string="Resend Preview", compute="_compute_replay_preview")

    @api.depends("event_id")
    def _compute_replay_preview(self):
        for exception in self:
            # A fresh snapshot of the record, secrets masked; the message id is drawn when it is written.
            exception.replay_preview = exception.event_id._hub_replay_preview() if exception.event_id else False

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
        return super().write(vals)

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
        """Replay the event as a NEW outbox row: the sidecar owns the state of the rows it has seen."""
        self.ensure_one()
        self._hub_check_actionable()
        event = self.event_id
        if not event:
            raise UserError(_("Exception %s has no event to retry.", self.name))
        record = self.env[event.res_model].browse(event.res_id).exists() if event.res_model in self.env else None
        if not record:
            raise UserError(_("The record of event %s no longer exists.", event.display_name))
        replay = self.env["hub.event"].with_context(hub_correlation_id=event.correlation_id)._hub_emit_to(
            event.connector_id, event.event_type, record
        )
        self.sudo().write({"state": "in_progress", "event_id": replay.id})
        self.message_post(body=_(
            "Retry requested: %(type)s sent again to %(connector)s as event %(event)s.",
            type=event.event_type, connector=event.connector_id.name, event=replay.uuid,
        ))
        return True

    def action_choose_carrier(self):
        self.ensure_one()
        self._hub_check_actionable()
        if not self.picking_id:
            raise UserError(_("Exception %s is not about a delivery.", self.name))
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_hub.hub_exception_carrier_wizard_action")
        action["context"] = {"default_exception_id": self.id}
        return action

    def action_cancel(self):
        """Cancel the shipment (unless it was delivered already) and close the exception."""
        self._hub_check_actionable()
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
            event = self.env["hub.event"].search([("uuid", "=", item.get("event_uuid"))], limit=1) \
                if item.get("event_uuid") else self.env["hub.event"]
            exception = self._hub_raise(
                item["reason"], record, connector,
                occurrence_key=f"drift:{item['reason']}:{fields.Date.context_today(self)}",
                description=item.get("description"), event=event or None,
                correlation_id=item.get("correlation_id"),
            )
            outcomes.append({"index": index, "outcome": "reported", "exception": exception.name})
        return outcomes

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
