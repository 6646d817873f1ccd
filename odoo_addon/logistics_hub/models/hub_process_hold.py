"""Events a process keeps back while it undoes its work, kept in the outbox until a person decides.

A process that compensates or failed must not let a "shipped" reach a customer portal (issue 16), and
nothing the hub was asked to send may vanish either. So such an event is written like any other, with
its payload snapshot, but in state ``held`` and linked to the process: the relay claims only ``pending``
rows and a held row opens no lane, so it blocks nothing. On the process a manager releases the held
events (sent as written, in the order they were written) or discards them (kept, marked ignored).
"""
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..hub.envelope import new_message_id
from ..hub.process_signals import COMPENSATION_EVENT_TYPES, PROCESS_STATE_SELECTION

_logger = logging.getLogger(__name__)

# These still go out while a process undoes its work: Odoo's own cancel, and the undoing itself.
UNHELD_EVENT_TYPES = ("order.cancelled",) + tuple(COMPENSATION_EVENT_TYPES.values())
# A process in these states holds its documents' news.
HOLDING_STATES = ("compensating", "failed")


class HubEvent(models.Model):
    _inherit = "hub.event"

    held_process_id = fields.Many2one(
        "hub.process", string="Held by Process", readonly=True, index="btree_not_null", ondelete="set null",
        help="The process that kept this event back while it undid its work; released or discarded there.",
    )


class HubProcess(models.Model):
    _inherit = "hub.process"

    held_event_ids = fields.One2many("hub.event", "held_process_id", string="Held Events", readonly=True)
    held_count = fields.Integer(string="Events Held", compute="_compute_held_count")

    @api.depends("held_event_ids.state")
    def _compute_held_count(self):
        counts = dict(self.env["hub.event"].sudo()._read_group(
            [("held_process_id", "in", self.ids), ("state", "=", "held")], ["held_process_id"], ["__count"]))
        for process in self:
            process.held_count = counts.get(process, 0)

    # ------------------------------------------------------------------
    # Holding (hub.event._hub_emit)
    # ------------------------------------------------------------------

    @api.model
    def _hub_hold(self, event_type, records, targets):
        """Split the outbox ``targets`` of ``records`` (``[(connector_id, code, records)]``) into what is
        written as usual and the held events written now for the records whose process compensates or
        failed."""
        holders = self._hub_holders(event_type, records)
        if not holders:
            return targets, self.env["hub.event"].browse()
        vals_list = []
        correlation_id = self.env["hub.event"]._hub_correlation_id()
        for connector_id, _code, target_records in targets:
            for record in target_records.sudo().filtered(lambda r: (r._name, r.id) in holders):
                vals_list.append({
                    "uuid": new_message_id(), "direction": "out", "event_type": event_type,
                    "connector_id": connector_id, "res_model": record._name, "res_id": record.id,
                    "correlation_id": correlation_id, "payload": record._hub_event_payload(event_type),
                    "state": "held", "held_process_id": holders[(record._name, record.id)].id,
                })
        held = self.env["hub.event"].sudo().create(vals_list)
        for process, events in held.grouped("held_process_id").items():
            process.message_post(body=_(
                "%(type)s for %(records)s held: the process is %(state)s. Release or discard it under Held Events.",
                type=event_type, records=", ".join(sorted({self.env[e.res_model].browse(e.res_id).display_name for e in events})),
                state=dict(PROCESS_STATE_SELECTION)[process.state]))
            _logger.info("hub: %s for %s held by process %s correlation_id=%s", event_type,
                         events.mapped("res_id"), process.id, process.correlation_id)
        remaining = [(connector_id, code, target_records.filtered(lambda r: (r._name, r.id) not in holders))
                     for connector_id, code, target_records in targets]
        return remaining, held

    @api.model
    def _hub_holders(self, event_type, records):
        """``{(model, id): process}`` for the ``records`` whose ``event_type`` a compensating or failed
        process of theirs keeps back."""
        if event_type in UNHELD_EVENT_TYPES or not records or records._name not in ("sale.order", "stock.picking"):
            return {}
        # One indexed probe per emit: this runs inside every confirmation and reservation.
        self.flush_model(["state", "sale_order_id", "res_model", "res_id"])
        orders = records if records._name == "sale.order" else records.sudo().sale_id
        self.env.cr.execute(SQL(
            """SELECT id, sale_order_id, res_model, res_id FROM hub_process
                WHERE state IN %s
                  AND ((res_model = 'sale.order' AND sale_order_id = ANY(%s)) OR (res_model = %s AND res_id = ANY(%s)))
                ORDER BY id""",
            HOLDING_STATES, orders.ids or [0], records._name, records.ids,
        ))
        holders = {}
        for process_id, order_id, res_model, res_id in self.env.cr.fetchall():
            process = self.sudo().browse(process_id)
            for record in records.sudo():
                order = record if record._name == "sale.order" else record.sale_id
                if (record._name == res_model and record.id == res_id) or (res_model == "sale.order" and order.id == order_id):
                    holders.setdefault((record._name, record.id), process)
        return holders

    # ------------------------------------------------------------------
    # A person's decision
    # ------------------------------------------------------------------

    def action_release_held_events(self):
        """Send the held events as they were written, oldest first. Only events still held are touched,
        so a second click (or two managers at once) sends nothing twice."""
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may release held events."))
        for process in self.sudo():
            if process.state == "compensating":
                raise UserError(_("%s is still undoing its work: release its held events once it has failed.", process.name))
            events = self.env["hub.event"].sudo()._hub_make_pending(SQL(
                """UPDATE hub_event SET state = 'pending', write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                    WHERE held_process_id = %s AND state = 'held'
                RETURNING id, connector_id, res_model, res_id, correlation_id, write_uid AS create_uid, write_date AS create_date""",
                self.env.uid, process.id,
            ))
            self.env["hub.event"].invalidate_model(["state"])
            if events:
                process.message_post(body=_(
                    "%(user)s released %(count)s held events; they are sent now: %(events)s",
                    user=self.env.user.name, count=len(events),
                    events=", ".join(f"{e.event_type} ({e.connector_id.name})" for e in events)))
        return True

    def action_discard_held_events(self):
        """Keep the held events as a record but never send them (state ignored)."""
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may discard held events."))
        for process in self.sudo():
            self.env.cr.execute(SQL(
                """UPDATE hub_event SET state = 'ignored', done_at = now() AT TIME ZONE 'UTC', write_uid = %s,
                          write_date = now() AT TIME ZONE 'UTC'
                    WHERE held_process_id = %s AND state = 'held' RETURNING event_type""",
                self.env.uid, process.id,
            ))
            discarded = [event_type for event_type, in self.env.cr.fetchall()]
            self.env["hub.event"].invalidate_model(["state", "done_at"])
            if discarded:
                process.message_post(body=_(
                    "%(user)s discarded %(count)s held events; they will not be sent: %(types)s",
                    user=self.env.user.name, count=len(discarded), types=", ".join(discarded)))
        return True
