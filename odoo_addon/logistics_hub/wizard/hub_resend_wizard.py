from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class HubResendWizard(models.TransientModel):
    """Send events again, after saying what will happen (timeline Replay, exception Retry, bulk requeue).

    Each event's record is sent to the event's connector as a new outbound event. By default the new
    event carries the partner request key of the request it repeats, so a partner that deduplicates
    (Standard Webhooks receivers, the WMS request id, Idempotency-Key) answers with its first result
    and creates nothing new. Records the partner already confirmed are refused unless a person ticks
    the override: that is how a warehouse ends up shipping the goods twice.
    """

    _name = "hub.resend.wizard"
    _description = "Logistics Hub: Send Events Again"

    event_ids = fields.Many2many("hub.event", string="Events", readonly=True)
    exception_id = fields.Many2one("hub.exception", readonly=True)
    summary = fields.Html(compute="_compute_plan", sanitize=False)
    confirmed_count = fields.Integer(compute="_compute_plan")
    send_confirmed = fields.Boolean(
        string="Also send what the partner already confirmed",
        help="The partner answered or confirmed these records already. With the original request key a "
        "partner that deduplicates answers with its first result; without deduplication it acts again.",
    )
    sent = fields.Boolean(readonly=True, help="Confirmed already: confirming again sends nothing more.")
    new_request = fields.Boolean(
        string="Send as a new request",
        help="Give the partner a new request key, so it treats the message as a new business request "
        "(for example a second fulfilment). Only when the partner has lost or cancelled the first one.",
    )

    @api.model
    def _hub_open(self, events):
        """The dialog for ``events`` (outbound ones only), or a UserError naming what cannot be sent."""
        for event in events:
            event._hub_replay_record()
        wizard = self.create({
            "event_ids": [fields.Command.set(events.ids)],
            "exception_id": self.env.context.get("hub_exception_id"),
        })
        return {
            "type": "ir.actions.act_window",
            "name": _("Send %s event(s) again", len(events)),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            # orm.call (the timeline's Replay) gets the dict as is: no call_button clean_action adds views
            "views": [(False, "form")],
            "target": "new",
        }

    @api.depends("event_ids", "new_request")
    def _compute_plan(self):
        for wizard in self:
            rows = []
            confirmed = 0
            for event in wizard.event_ids:
                record = event._hub_replay_record()
                confirmation = event._hub_partner_confirmation()
                confirmed += bool(confirmation)
                key = _("new key") if wizard.new_request else event._hub_partner_key()
                rows.append(Markup(
                    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class='font-monospace small'>%s</td></tr>"
                ) % (
                    record.display_name, event._hub_event_type_label(), event.connector_id.name,
                    confirmation or dict(event._fields["state"]._description_selection(self.env))[event.state], key,
                ))
            header = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
                _("Record"), _("Event"), _("Sent to"), _("Partner status"), _("Request key"),
            )
            wizard.summary = Markup("<table class='table table-sm'><thead>%s</thead><tbody>%s</tbody></table>") % (
                header, Markup("").join(rows),
            )
            wizard.confirmed_count = confirmed

    def action_confirm(self):
        self.ensure_one()
        self.env["hub.event"]._hub_check_resend_rights()
        if self.sent:
            raise UserError(_("These events were sent again already; open the dialog again to send them once more."))
        events = self.event_ids
        confirmed = events.filtered(lambda e: e._hub_partner_confirmation())
        if confirmed and not self.send_confirmed:
            raise UserError(_(
                "The partner already confirmed %(names)s: nothing was sent. Tick \"%(option)s\" to send "
                "them anyway.", names=", ".join(escape(e._hub_replay_record().display_name) for e in confirmed),
                option=self._fields["send_confirmed"].string,
            ))
        replays = self.env["hub.event"]
        for event in events:
            replays |= event._hub_resend(new_request=self.new_request)
        self.sent = True
        how = _("as new requests") if self.new_request else _("with their original request keys")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Sent again"),
                "message": _("%(count)s event(s) written %(how)s; the sidecar delivers them shortly.",
                             count=len(replays), how=how),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
