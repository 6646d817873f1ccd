"""Failing a process and undoing what its steps did, at every delivery that took part.

A step is undone where it was done: its compensation targets every (delivery, partner) whose milestone
completed it, from the process's signal log, so an order shipped from two warehouses gets two
fulfilment cancellations and each booked delivery its own label void, and a per-delivery step that only
some deliveries had reached when the process failed is undone at those. Odoo compensations run at once;
partner compensations are outbound events, delivered, retried and deduplicated like any other, and
settled by their delivery results (hub.sync.state.hub_apply_results). The process has failed once
nothing it sent to undo its work is still on its way.
"""
from odoo import _, api, fields, models

from ..hub.process_signals import COMPENSATION_EVENT_TYPES, COMPENSATION_SELECTION

# outcomes of a signal row that mean the step was reached by that row's delivery
REACHING_OUTCOMES = ("applied", "late")
IN_FLIGHT = ("pending", "queued")


class HubProcess(models.Model):
    _inherit = "hub.process"

    def _hub_fail(self, step, row, why):
        """``step`` failed for good: undo what the steps did, newest first, and open one exception."""
        self.ensure_one()
        at = row.occurred_at if row else fields.Datetime.now()
        step._hub_close_activities(_("Failed"))
        step.write({"state": "failed", "done_at": at, "done_signal_id": row.id if row else False})
        self._hub_stop_clocks(_("Process failed"))
        self.write({"state": "compensating"})
        self.message_post(body=_("Step “%(step)s” failed (%(why)s): undoing the steps done.", step=step.name, why=why))
        for undone in self._hub_steps_to_undo().sorted(lambda s: (s.sequence, s.id), reverse=True):
            undone._hub_compensate()
        self._hub_open_exception(step, why)
        self._hub_after_compensation()

    def _hub_steps_to_undo(self):
        """Done steps with a compensation, and per-delivery steps some deliveries had reached (the
        failed one included: one delivery booked, the other refused by every carrier)."""
        self.ensure_one()
        reached = self.signal_ids.filtered(lambda r: r.outcome in REACHING_OUTCOMES).step_id
        return self.step_ids.filtered(lambda s: s.compensation != "none" and (
            s.state == "done" or (s.per_leg and s.state in ("active", "failed") and s in reached)))

    def _hub_after_compensation(self, settled=None):
        """Once nothing sent to undo its work is still on its way, the process has failed; the exception
        tells the path. ``settled``: the compensation event whose result is being applied."""
        for process in self:
            waiting = process.step_ids.filtered(lambda s: s.state == "compensating" or (
                s.state == "failed" and (s.compensation_event_ids - (settled or s.compensation_event_ids.browse()))
                .filtered(lambda e: e.state in IN_FLIGHT)))
            if process.state == "compensating" and not waiting:
                process.write({"state": "failed", "ended_at": fields.Datetime.now()})
                process.message_post(body=_("Process failed: every compensation is settled."))
            if process.exception_id:
                process.exception_id.sudo().write({"description": process._hub_path_text()})
            process._hub_refresh()
            process._hub_notify_changed()


class HubProcessStep(models.Model):
    _inherit = "hub.process.step"

    compensation_event_ids = fields.Many2many(
        "hub.event", "hub_process_step_compensation_rel", "step_id", "event_id", string="Compensation Events",
        readonly=True, help="What was sent to undo this step: one event per delivery and partner.")
    compensation_event_id = fields.Many2one(
        "hub.event", compute="_compute_compensation_event_id", string="Compensation Event",
        help="The first compensation event (a step done by one delivery has one).")

    @api.depends("compensation_event_ids")
    def _compute_compensation_event_id(self):
        for step in self:
            step.compensation_event_id = step.compensation_event_ids.sorted("id")[:1]

    def _hub_compensate(self):
        """Undo this step: in Odoo at once, or by one outbound event per (delivery, partner) that did it.
        A failed step keeps its state; the others go compensating until their partners confirm."""
        self.ensure_one()
        process = self.process_id
        what = dict(COMPENSATION_SELECTION)[self.compensation]
        settle = {} if self.state == "failed" else {"state": "compensated"}
        if self.compensation == "unreserve_stock":
            pickings = process._hub_deliveries().filtered(lambda p: p.state not in ("done", "cancel"))
            pickings.sudo().do_unreserve()
            self.write({**settle, "compensation_note": _(
                "%(step)s: %(what)s done in Odoo (%(pickings)s)", step=self.name, what=what,
                pickings=", ".join(pickings.mapped("name")) or _("nothing reserved"))})
            return
        Event = self.env["hub.event"].sudo().with_context(hub_correlation_id=process.correlation_id)
        events = Event.browse()
        notes = []
        for record, connector in self._hub_compensation_targets():
            if not connector or not connector.active:
                notes.append(_("%(what)s for %(record)s not sent: %(why)s; undo it by hand if needed",
                               what=what, record=record.display_name,
                               why=_("connector %s is archived", connector.name) if connector else _("no partner took part")))
                continue
            event = Event._hub_emit_to(connector, COMPENSATION_EVENT_TYPES[self.compensation], record)
            events |= event
            notes.append(_("%(what)s for %(record)s sent to %(connector)s (event %(event)s), waiting for it",
                           what=what, record=record.display_name, connector=connector.name, event=event.uuid))
        vals = {"compensation_event_ids": [fields.Command.set(events.ids)],
                "compensation_note": f"{self.name}: " + "; ".join(notes)}
        if self.state != "failed":
            vals["state"] = "compensating" if events else "compensated"
        self.write(vals)

    def _hub_compensation_targets(self):
        """[(record, connector)] this step's compensation goes to: for each signal that reached it, the
        delivery it came from (else the order) and that signal's partner (a label: the delivery's
        carrier), each pair once, oldest first."""
        process = self.process_id
        rows = process.signal_ids.filtered(lambda r: r.step_id == self and r.outcome in REACHING_OUTCOMES)
        if self.state != "failed":
            rows |= self.done_signal_id
        targets = {}
        for row in rows.sorted("id"):
            record = self.env["stock.picking"]
            if row.res_model == "stock.picking":
                record = record.browse(row.res_id).exists()
            record = record or process.sale_order_id or process._hub_root()
            connector = row.connector_id
            if self.compensation == "void_label" and record._name == "stock.picking" and record.hub_carrier_connector_id:
                connector = record.hub_carrier_connector_id
            # a record reached through Odoo alone (no partner) is only kept when no partner did it
            targets.setdefault(record, set()).add(connector)
        return [(record, connector) for record, connectors in targets.items()
                for connector in (sorted((c for c in connectors if c), key=lambda c: c.id) or [connectors.pop()])]

    @api.model
    def _hub_compensation_settled(self, event, ok):
        """The result of compensation ``event`` was applied: ``ok`` (sent/acknowledged) -> its step is
        compensated once every event of the step is; not ok (dead) -> it stays compensating and the
        exception says so. The process fails once nothing is left on its way. Returns the steps."""
        steps = self.sudo().search([("compensation_event_ids", "in", event.ids), ("state", "in", ("compensating", "failed"))])
        for step in steps:
            what = dict(COMPENSATION_SELECTION)[step.compensation]
            if not ok:
                note = _("%(what)s could not be delivered to %(connector)s (event %(event)s is dead): "
                         "undo it by hand, then resolve this exception",
                         what=what, connector=event.connector_id.name, event=event.uuid)
                step.compensation_note = f"{step.compensation_note}; {note}"
                if step.process_id.exception_id:
                    step.process_id.exception_id.sudo().message_post(body=f"{step.name}: {note}")
                continue
            note = _("%(what)s confirmed by %(connector)s (event %(event)s)",
                     what=what, connector=event.connector_id.name, event=event.uuid)
            vals = {"compensation_note": f"{step.compensation_note}; {note}"}
            others = step.compensation_event_ids - event
            if step.state == "compensating" and all(e.state == "delivered" for e in others):
                vals["state"] = "compensated"
            step.write(vals)
        steps.process_id._hub_after_compensation(settled=event)
        return steps
