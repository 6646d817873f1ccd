import logging
from datetime import timedelta

import pytz
from psycopg2.extras import Json

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..hub.envelope import iso_utc, parse_iso_utc
from ..hub.messages import MessageError, check_batch
from ..hub.process_signals import (
    BREACH_POLICY_SELECTION, COMPENSATION_SELECTION, FINISHED_STATES,
    PROCESS_STATE_SELECTION, SIGNALS, SIGNAL_OUTCOME_SELECTION, SLA_KIND_SELECTION, STEP_STATE_SELECTION,
    parse_signals,
)

_logger = logging.getLogger(__name__)

HUB_MANAGER = "logistics_hub.group_hub_manager"
# Step states that let the steps waiting for them start, and that a later milestone cannot undo.
REACHED = ("done", "passed")
# Not a catalogue signal: the timer of a step whose SLA policy fails the process (hub_fire_timers).
SLA_BREACHED = "sla.breached"


def check_timer(item, index):
    """A due step timer of ``hub.process.step.hub_fire_timers``: ``{step_id, deadline}``, normalised."""
    where = f"items[{index}]"
    step_id = item.get("step_id")
    if not isinstance(step_id, int) or isinstance(step_id, bool) or not 0 < step_id < 2**31:
        raise MessageError(f"{where}: 'step_id' must be a positive integer, got {step_id!r}")
    deadline = item.get("deadline")
    if not isinstance(deadline, str) or not deadline:
        raise MessageError(f"{where}: 'deadline' must be an ISO 8601 UTC timestamp string, got {deadline!r}")
    try:
        parsed = parse_iso_utc(deadline)
    except ValueError:
        raise MessageError(f"{where}: 'deadline' is not an ISO 8601 timestamp: {deadline!r}") from None
    return {"step_id": step_id, "deadline": parsed.replace(microsecond=0)}


def next_cutoff(after, hour, tz_name):
    """The first time of day ``hour`` (16.5 = 16:30) in time zone ``tz_name`` strictly after ``after``
    (naive UTC), as naive UTC. Computed on the local calendar, so a cut-off stays 16:00 across DST."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    minutes = min(int(round(hour * 60)), 24 * 60 - 1)
    local = pytz.utc.localize(after).astimezone(tz)
    day = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    for offset in range(3):
        candidate = tz.localize(day + timedelta(days=offset, minutes=minutes))
        if candidate > local:
            return candidate.astimezone(pytz.utc).replace(tzinfo=None)
    raise AssertionError("a cut-off time always falls within two days")


class HubProcess(models.Model):
    """One business flow (one order's order-to-delivery, one return's return-to-refund) with its state,
    the steps it copied from its definition's version, its deliveries (legs) and every signal it took."""

    _name = "hub.process"
    _description = "Logistics Hub Business Process"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    definition_id = fields.Many2one("hub.process.definition", required=True, readonly=True, ondelete="restrict", index=True)
    definition_code = fields.Char(required=True, readonly=True, index=True)
    definition_version = fields.Integer(readonly=True)
    # The business document the process follows (sale.order for order-to-delivery, the return picking
    # for return-to-refund) and the order it belongs to, shown on the order form.
    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True, readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index=True, ondelete="set null")
    correlation_id = fields.Char(readonly=True, index=True)
    state = fields.Selection(PROCESS_STATE_SELECTION, required=True, default="running", readonly=True, tracking=True, index=True)
    step_ids = fields.One2many("hub.process.step", "process_id", readonly=True)
    leg_ids = fields.One2many("hub.process.leg", "process_id", string="Deliveries", readonly=True)
    signal_ids = fields.One2many("hub.process.signal", "process_id", string="Signals", readonly=True)
    current_step_id = fields.Many2one("hub.process.step", readonly=True, help="The earliest step in progress.")
    # stored so that lists and the kanban group processes by step across processes (each has its own steps)
    current_step_name = fields.Char(related="current_step_id.name", store=True, string="Current Step Name")
    deadline = fields.Datetime(readonly=True, index=True, help="Deadline of the current step.")
    is_late = fields.Boolean(readonly=True, index=True)
    waiting_approval = fields.Boolean(readonly=True, index=True)
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    short_quantity = fields.Float(readonly=True, help="Units the warehouse shipped less than ordered (kept as backorders).")
    exception_id = fields.Many2one("hub.exception", readonly=True, ondelete="set null")
    # the Approve / Reject buttons show to those who may decide the step waiting for approval
    can_decide = fields.Boolean(compute="_compute_can_decide")

    # One live process of each definition per document; a cancelled one (order cancelled, then confirmed
    # again) leaves room for the next. A partial unique index made in init() (virtual constraint here).
    _sql_constraints = [
        ("document_unique", "", "A document runs one process of each definition at a time."),
    ]

    def init(self):
        self.env.cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT IF EXISTS hub_process_document_unique", SQL.identifier(self._table)))
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS hub_process_document_unique ON %s (definition_code, res_model, res_id) "
            "WHERE state <> 'cancelled'", SQL.identifier(self._table),
        ))

    @api.depends_context("uid")
    @api.depends("state", "waiting_approval")
    def _compute_can_decide(self):
        groups = self.env.user.groups_id
        for process in self:
            step = process.sudo()._hub_waiting_step()
            process.can_decide = bool(step) and (self.env.su or step.approval_group_id in groups)

    # ------------------------------------------------------------------
    # Signals: the one entry point of the code that sees a milestone
    # ------------------------------------------------------------------

    @api.model
    def _hub_signal(self, signal, record, source_uid, occurred_at=None, connector=None, data=None):
        """Apply milestone ``signal`` seen on ``record`` (sale.order, stock.picking or account.move) to
        the processes of its documents, starting one where a definition is triggered by it.

        Runs in the caller's transaction, so a milestone and its effect on processes commit together.
        ``source_uid`` identifies the occurrence (an event uuid, a partner message id, a tracking event
        id): each process takes one occurrence once (UNIQUE(process_id, source_uid)), so a replayed or
        duplicated milestone changes nothing. Returns the hub.process.signal rows written.
        """
        if signal not in SIGNALS:
            raise ValueError(f"unknown process signal {signal!r}")
        rows = self.env["hub.process.signal"]
        for process in self.sudo()._hub_processes_for(signal, record):
            row = process._hub_log_signal(signal, record, source_uid, occurred_at, connector, data)
            if row:
                process._hub_apply_signal(row)
                rows |= row
        return rows

    @api.model
    def _hub_processes_for(self, signal, record):
        """The processes ``signal`` on ``record`` concerns, started first where it is a trigger.

        Roots: a sale.order is its own; an outgoing delivery belongs to its order's; a return (incoming
        picking that returns goods) is its own; an invoice belongs to its orders'; a credit note to the
        return processes of the orders it credits. Started only on an order or a return.
        """
        record.ensure_one()
        roots = self._hub_roots(record.sudo())
        processes = self.browse()
        by_model = {}
        for root in roots:
            by_model.setdefault(root._name, []).append(root.id)
        if by_model:
            domain = expression.OR([[("res_model", "=", model), ("res_id", "in", ids)] for model, ids in by_model.items()])
            # the latest process of each definition and document: a cancelled one still logs what comes
            # (as finished), and an order confirmed again starts a new one beside it
            latest = {}
            for process in self.search(domain, order="id"):
                latest[(process.definition_code, process.res_model, process.res_id)] = process
            processes = self.browse([process.id for process in latest.values()])
        starters = [root for root in roots if root._name == "sale.order" or self._hub_is_return(root)]
        if not starters or signal not in self._hub_trigger_signals():
            return processes
        definitions = self.env["hub.process.definition"].sudo().search([]).filtered(
            lambda d: parse_signals(d.trigger_signal) == [signal])
        for definition in definitions:
            for root in starters:
                if not processes.filtered(lambda p: p.definition_code == definition.code and p.state != "cancelled"
                                          and p.res_model == root._name and p.res_id == root.id):
                    processes |= self._hub_start(definition, root)
        return processes

    @api.model
    @tools.ormcache()
    def _hub_trigger_signals(self):
        """The signals that start a process (active definitions' triggers). Asked by every milestone the
        hub sees, so cached; hub.process.definition clears it when a definition changes."""
        definitions = self.env["hub.process.definition"].sudo().search([])
        return frozenset(code for definition in definitions for code in parse_signals(definition.trigger_signal))

    @api.model
    def _hub_roots(self, record):
        """The business documents whose processes a milestone on ``record`` concerns."""
        if record._name == "sale.order":
            return list(record)
        if record._name == "stock.picking":
            if self._hub_is_return(record):
                return list(record)
            if record.picking_type_code == "outgoing" and record.sale_id:
                return list(record.sale_id)
            return []
        if record._name == "account.move":
            if record.move_type == "out_invoice":
                # a down payment invoices no delivery: only an invoice of ordered goods counts
                return list(record.line_ids.sale_line_ids.filtered(lambda line: not line.is_downpayment).order_id)
            if record.move_type == "out_refund":
                return self._hub_refunded_returns(record)
        return []

    @api.model
    def _hub_refunded_returns(self, refund):
        """The returns a credit note refunds: the order's returns still waiting for a refund, narrowed
        to those that brought back a product the credit note credits (two returns of one order, two
        credit notes: each refunds its own)."""
        orders = (refund | refund.reversed_entry_id).line_ids.sale_line_ids.order_id
        waiting = self.search([("res_model", "=", "stock.picking"), ("sale_order_id", "in", orders.ids),
                               ("state", "=", "running")])
        returns = self.env["stock.picking"].browse(waiting.mapped("res_id")).exists()
        credited = refund.invoice_line_ids.product_id
        matching = returns.filtered(lambda picking: picking.move_ids.product_id & credited)
        return list(matching or returns)

    @api.model
    def _hub_is_return(self, picking):
        """An incoming picking that brings back goods delivered before (Odoo's Return)."""
        return bool(
            picking._name == "stock.picking" and picking.picking_type_code == "incoming"
            and (picking.return_id or picking.move_ids.origin_returned_move_id)
        )

    @api.model
    def _hub_start(self, definition, root):
        """Start ``definition``'s process on ``root`` with a copy of the steps of its current version."""
        order = root if root._name == "sale.order" else (root.sale_id or root.return_id.sale_id)
        process = self.create({
            "name": f"{definition.name}: {root.display_name}",
            "definition_id": definition.id,
            "definition_code": definition.code,
            "definition_version": definition.version,
            "res_model": root._name,
            "res_id": root.id,
            "sale_order_id": order.id,
            "correlation_id": self.env["hub.event"]._hub_correlation_id(),
            "step_ids": [fields.Command.create(values) for values in definition._hub_step_values()],
        })
        process._hub_sync_legs()
        process._hub_activate()
        _logger.info("hub: process %s (%s v%s) started on %s,%s correlation_id=%s", process.id, definition.code,
                     definition.version, root._name, root.id, process.correlation_id)
        return process

    def _hub_root(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    def _hub_log_signal(self, signal, record, source_uid, occurred_at, connector, data):
        """Insert the signal row of this process once; None when this occurrence was already taken."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            """INSERT INTO hub_process_signal (process_id, signal, source_uid, occurred_at, res_model, res_id,
                                              connector_id, data, outcome, create_uid, create_date, write_uid, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'applied', %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
               ON CONFLICT (process_id, source_uid) DO NOTHING RETURNING id""",
            self.id, signal, source_uid, occurred_at or fields.Datetime.now(), record._name, record.id,
            connector.id if connector else None, Json(data or {}),
            self.env.uid, self.env.uid,
        ))
        row = self.env.cr.fetchone()
        if not row:
            return None
        self.env["hub.process.signal"].invalidate_model()
        self.invalidate_recordset(["signal_ids"])
        return self.env["hub.process.signal"].browse(row[0])

    def _hub_apply_signal(self, signal_row):
        """Advance this process with a newly logged signal; sets ``signal_row.outcome``."""
        self.ensure_one()
        self.invalidate_recordset(["signal_ids"])
        outcome, step, note = self._hub_advance(signal_row)
        signal_row.write({"outcome": outcome, "step_id": step.id if step else False, "note": note or False})
        if outcome in ("ignored", "finished"):
            # Kept in the log (the occurrence is taken), said once: the row is written once per occurrence.
            _logger.info("hub: process %s kept %s (%s) as %s: %s correlation_id=%s", self.id, signal_row.signal,
                         signal_row.source_uid, outcome, note, self.correlation_id)
        self._hub_refresh()
        self._hub_notify_changed()
        return outcome

    def _hub_advance(self, row):
        """(outcome, step, note) of signal ``row``; applies it."""
        signal = row.signal
        states = dict(PROCESS_STATE_SELECTION)
        if self.state in FINISHED_STATES:
            return "finished", None, _("the process is %s", states[self.state])
        if signal == "order.cancelled" and self.state == "running" and self.res_model == "sale.order":
            self._hub_cancel(row)
            return "applied", None, _("the order was cancelled")
        if self.state != "running":
            return "ignored", None, _("the process is %s", states[self.state])
        completes, fails = self._hub_steps_taking(row)
        if fails:
            step = fails[0]
            # a step passed by a later milestone was never confirmed: its failure still counts
            if step.state == "done":
                return "late", step, _("step %s is past already", step.name)
            self._hub_fail(step, row, _("%(signal)s failed step “%(step)s”", signal=signal, step=step.name))
            return "applied", step, None
        if not completes:
            return "ignored", None, _("no step of this process takes %s", signal)
        leg = self._hub_leg_of(row)
        outcomes = [(step._hub_take(row, leg), step) for step in completes]
        self._hub_activate()
        applied = [step for outcome, step in outcomes if outcome == "applied"]
        if applied:
            return "applied", applied[0], None
        return "late", completes[0], _("step %s is past already", completes[0].name)

    def _hub_steps_taking(self, row):
        """The steps ``row``'s signal completes and those it fails, in sequence order. An approval step
        takes a person's decision on it (the decision names its step)."""
        signal, decided = row.signal, (row.data or {}).get("step_id")

        def is_decision(step, decision):
            return step.approval_required and signal == decision and (not decided or decided == step.id)

        completes = self.step_ids.filtered(
            lambda s: signal in parse_signals(s.complete_signals) or is_decision(s, "approval.granted"))
        fails = self.step_ids.filtered(
            lambda s: signal in parse_signals(s.fail_signals) or is_decision(s, "approval.rejected"))
        return completes, fails

    # ------------------------------------------------------------------
    # Legs: one per delivery of the order
    # ------------------------------------------------------------------

    def _hub_sync_legs(self):
        """One leg per outgoing picking of the order (backorders, other warehouses included); a cancelled
        picking's leg no longer holds per-delivery steps back."""
        self.ensure_one()
        if self.res_model != "sale.order" or not self.sale_order_id:
            return self.leg_ids
        pickings = self.sale_order_id.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        known = self.leg_ids.mapped("picking_id")
        for picking in pickings - known:
            self.env["hub.process.leg"].create({"process_id": self.id, "picking_id": picking.id})
        for leg in self.leg_ids:
            cancelled = leg.picking_id.state == "cancel"
            if leg.cancelled != cancelled:
                leg.cancelled = cancelled
        return self.leg_ids

    def _hub_leg_of(self, row):
        """The leg a signal came from: its picking's; empty when it came from the order (all legs)."""
        legs = self._hub_sync_legs()
        if row.res_model != "stock.picking":
            return legs.browse()
        return legs.filtered(lambda leg: leg.picking_id.id == row.res_id)

    def _hub_open_legs(self):
        return self.leg_ids.filtered(lambda leg: not leg.cancelled)

    def _hub_reached_everywhere(self, step):
        return all(step.code in leg._hub_reached() for leg in self._hub_open_legs())

    # ------------------------------------------------------------------
    # Step activation and the process's summary fields
    # ------------------------------------------------------------------

    def _hub_predecessors(self, step):
        """Every step ``step`` waits for, directly or through others."""
        by_code = {s.code: s for s in self.step_ids}
        seen, todo = set(), parse_signals(step.after_codes)
        while todo:
            code = todo.pop()
            if code in seen or code not in by_code:
                continue
            seen.add(code)
            todo += parse_signals(by_code[code].after_codes)
        return self.step_ids.filtered(lambda s: s.code in seen)

    def _hub_activate(self):
        """Start every pending step whose predecessors are all done or passed."""
        self.ensure_one()
        if self.state != "running":
            return
        reached = {s.code for s in self.step_ids if s.state in REACHED}
        now = fields.Datetime.now()
        for step in self.step_ids.filtered(lambda s: s.state == "pending"):
            if all(code in reached for code in parse_signals(step.after_codes)):
                step._hub_activate_step(now)

    def _hub_pass_before(self, step, at):
        """The steps ``step`` waits for and that are not past yet were passed: a carrier that never
        scanned "in transit" still delivered. A per-delivery one only once every delivery reached it."""
        for before in self._hub_predecessors(step):
            if before.state in REACHED or (before.per_leg and not self._hub_reached_everywhere(before)):
                continue
            if before.approval_required:
                continue  # a person's decision is never implied by a later milestone
            before._hub_close_activities(_("Passed"))
            before.write({"state": "passed", "done_at": at})

    def _hub_refresh(self):
        """current_step_id, deadline, is_late, waiting_approval; completed once every step is past."""
        now = fields.Datetime.now()
        for process in self:
            steps = process.step_ids
            vals = {}
            if process.state == "running" and steps and all(s.state in REACHED for s in steps):
                vals.update(state="completed", ended_at=now)
                process.message_post(body=_("Process completed."))
            running = vals.get("state", process.state) == "running"
            active = steps.filtered(lambda s: s.state == "active") if running else steps.browse()
            current = active[:1] or steps.filtered(lambda s: s.state == "failed")[:1]
            vals.update(
                current_step_id=current.id,
                deadline=active[:1].deadline or False,
                is_late=any(s.breached_at for s in active),
                waiting_approval=any(s.approval_required for s in active),
            )
            changed = {k: v for k, v in vals.items() if process[k] != (process[k].browse(v) if k == "current_step_id" else v)}
            if changed:
                process.write(changed)

    def _hub_cancel(self, row):
        """The order was cancelled: Odoo's cancel undid what Odoo did, nothing is compensated."""
        self._hub_stop_clocks(_("Order cancelled"))
        self.write({"state": "cancelled", "ended_at": fields.Datetime.now()})
        self.message_post(body=_("Order cancelled: process cancelled."))

    def _hub_stop_clocks(self, feedback):
        """Nothing of a process that stopped running is awaited any more: its open steps go back to
        pending without a deadline (no timer fires) and their to-dos are closed."""
        for step in self.step_ids.filtered(lambda s: s.state == "active"):
            step._hub_close_activities(feedback)
            step.write({"state": "pending", "deadline": False})

    # ------------------------------------------------------------------
    # Failure (the compensations: hub_process_compensation.py)
    # ------------------------------------------------------------------

    def _hub_deliveries(self):
        """The pickings this process follows: its order's outgoing ones, or its return."""
        self.ensure_one()
        if self.res_model == "stock.picking":
            return self._hub_root()
        return self.leg_ids.mapped("picking_id")

    def _hub_open_exception(self, failed_step, why):
        """ONE process_failed exception on the order (or return), for the definition's responsible group."""
        self.ensure_one()
        if self.exception_id:
            self.exception_id.sudo().message_post(body=_("Failed again: %s", why))
            return self.exception_id
        record = self._hub_root()
        signal = failed_step.done_signal_id
        exception = self.env["hub.exception"].sudo().create({
            "reason": "process_failed",
            "res_model": record._name,
            "res_id": record.id,
            "picking_id": record.id if record._name == "stock.picking" else False,
            "connector_id": signal.connector_id.id,
            "correlation_id": self.correlation_id,
            "occurrence_key": f"process:{self.id}",
            "description": self._hub_path_text(),
        })
        self.write({"exception_id": exception.id})
        group = self.definition_id.notify_group_id or self.env.ref(HUB_MANAGER)
        for user in _internal_users(group):
            exception.activity_schedule(
                "mail.mail_activity_data_todo", user_id=user.id,
                summary=_("Process failed: %s", self.name), note=why,
            )
        if hasattr(record, "message_post"):
            record.sudo().message_post(body=_("Process %(process)s failed (%(why)s): exception %(exception)s opened.",
                                              process=self.name, why=why, exception=exception.name))
        _logger.info("hub: process %s failed at %s (%s): exception %s correlation_id=%s",
                     self.id, failed_step.code, why, exception.name, self.correlation_id)
        return exception

    def _hub_path_text(self):
        """The path the process took: every step with its state and times, the failing signal, each
        compensation (newest first, as they ran)."""
        self.ensure_one()
        states = dict(STEP_STATE_SELECTION)
        lines = [_("Process %(name)s (%(code)s version %(version)s): %(state)s.", name=self.name,
                   code=self.definition_code, version=self.definition_version,
                   state=dict(PROCESS_STATE_SELECTION)[self.state])]
        lines.append(_("Steps:"))
        for step in self.step_ids:
            lines.append(f"- {step.name} ({step.code}): {states[step.state]}"
                         f"{_(', started %s', step.started_at) if step.started_at else ''}"
                         f"{_(', ended %s', step.done_at) if step.done_at else ''}")
        for step in self.step_ids.filtered(lambda s: s.state == "failed"):
            signal = step.done_signal_id
            if signal:
                lines.append(_("Failing signal: %(signal)s on step %(step)s at %(at)s%(by)s (occurrence %(uid)s).",
                               signal=signal.signal, step=step.code, at=signal.occurred_at,
                               by=_(" from %s", signal.connector_id.name) if signal.connector_id else "",
                               uid=signal.source_uid))
        undone = self.step_ids.filtered("compensation_note").sorted(lambda s: (s.sequence, s.id), reverse=True)
        if undone:
            lines.append(_("Compensations (newest step first):"))
            lines += [f"- {step.compensation_note}" for step in undone]
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # Approvals
    # ------------------------------------------------------------------

    def action_approve(self):
        return self._hub_decide("approval.granted")

    def action_reject(self):
        return self._hub_decide("approval.rejected")

    def _hub_waiting_step(self):
        """The step of this running process waiting for a person's decision, or an empty recordset."""
        self.ensure_one()
        if self.state != "running":
            return self.env["hub.process.step"]
        return self.step_ids.filtered(lambda s: s.state == "active" and s.approval_required)[:1]

    def _hub_decide(self, decision):
        """Record a person's decision on the step waiting for approval, once (a double click, or two
        approvers at once, decide once: the decision's occurrence is the step)."""
        self.ensure_one()
        process = self.sudo()
        step = process._hub_waiting_step()
        if not step:
            raise UserError(_("%s waits for no approval: it may have been decided already.", self.name))
        if not self.env.su and step.approval_group_id not in self.env.user.groups_id:
            raise AccessError(_("Only members of %(group)s may approve or reject “%(step)s” of %(process)s.",
                                group=step.approval_group_id.display_name, step=step.name, process=self.name))
        row = process._hub_log_signal(decision, process._hub_root(), f"approval:{step.id}", None, None,
                                      {"step_id": step.id, "user_id": self.env.uid})
        if row:
            verb = _("Approved") if decision == "approval.granted" else _("Rejected")
            process.message_post(body=_("%(verb)s “%(step)s” by %(user)s.", verb=verb, step=step.name,
                                        user=self.env.user.name))
            process._hub_apply_signal(row)
        return True

    def _hub_notify_changed(self):
        """Tell the forms showing these processes that they changed (bus); the card module overrides it."""


def _internal_users(group):
    """Active internal users of ``group``, oldest first."""
    return group.sudo().users.filtered(lambda u: u.active and not u.share).sorted("id")


class HubProcessStep(models.Model):
    """A step of one process, copied from its definition when the process started."""

    _name = "hub.process.step"
    _description = "Logistics Hub Process Step"
    _order = "process_id, sequence, id"

    process_id = fields.Many2one("hub.process", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    code = fields.Char(required=True)
    name = fields.Char(required=True)
    after_codes = fields.Char(help="Comma-separated codes of the steps that must be done first.")
    complete_signals = fields.Char()
    fail_signals = fields.Char()
    per_leg = fields.Boolean(string="Per Delivery")
    sla_kind = fields.Selection(SLA_KIND_SELECTION, required=True, default="none")
    sla_minutes = fields.Integer()
    sla_cutoff = fields.Float()
    breach_policy = fields.Selection(BREACH_POLICY_SELECTION, required=True, default="escalate")
    escalate_user_id = fields.Many2one("res.users")
    escalate_group_id = fields.Many2one("res.groups")
    compensation = fields.Selection(COMPENSATION_SELECTION, required=True, default="none")
    approval_required = fields.Boolean()
    approval_group_id = fields.Many2one("res.groups")

    state = fields.Selection(STEP_STATE_SELECTION, required=True, default="pending", index=True)
    started_at = fields.Datetime()
    done_at = fields.Datetime()
    # The sidecar's timer loop reads (state, deadline, timer_queued_deadline) and writes
    # timer_queued_deadline when it queued the timer of that deadline (docs/contract.md).
    deadline = fields.Datetime(index=True)
    timer_queued_deadline = fields.Datetime(readonly=True)
    breached_at = fields.Datetime()
    escalation_level = fields.Integer(default=0)
    # the signal that completed it (or failed it)
    done_signal_id = fields.Many2one("hub.process.signal", ondelete="set null")

    # the to-dos this step gave people (approval, escalation): closed when the step ends
    activity_ids = fields.Many2many("mail.activity", "hub_process_step_activity_rel", "step_id", "activity_id",
                                    readonly=True)
    # how this step was undone (or why not yet), as the exception's path tells it
    compensation_note = fields.Char(readonly=True)

    _sql_constraints = [("code_unique", "UNIQUE(process_id, code)", "A step code is unique within its process.")]

    # ------------------------------------------------------------------
    # Advancement (called by hub.process)
    # ------------------------------------------------------------------

    def _hub_take(self, row, leg):
        """Complete this step with signal ``row`` (from delivery ``leg``, or from the order when empty):
        'applied' or 'late'. Its predecessors not yet past are passed."""
        self.ensure_one()
        process = self.process_id
        at = row.occurred_at or fields.Datetime.now()
        if self.per_leg:
            legs = leg or process._hub_open_legs()
            known = bool(legs) and all(self.code in l._hub_reached() for l in legs)
            codes = [self.code] + process._hub_predecessors(self).filtered("per_leg").mapped("code")
            for l in legs:
                l._hub_reach(codes)
            everywhere = process._hub_reached_everywhere(self)
            process._hub_pass_before(self, at)
            if not everywhere or (known and self.state != "passed"):
                # other deliveries still owe it, or this delivery had reached it already
                return "late" if known else "applied"
        elif self.state == "done":
            return "late"
        if self.state == "done":
            return "late"
        self._hub_close_activities(_("Done"))
        self.write({"state": "done", "done_at": at, "started_at": self.started_at or at, "done_signal_id": row.id})
        process._hub_pass_before(self, at)
        return "applied"

    def _hub_activate_step(self, now):
        self.ensure_one()
        self.write({"state": "active", "started_at": now, "deadline": self._hub_deadline_after(now)})
        if self.approval_required:
            self._hub_ask_approval()

    def _hub_deadline_after(self, start):
        """The step's deadline when it starts (or escalates) at ``start``; False without SLA."""
        if self.sla_kind == "duration" and self.sla_minutes > 0:
            return start + timedelta(minutes=self.sla_minutes)
        if self.sla_kind == "cutoff":
            return next_cutoff(start, self.sla_cutoff, self._hub_local_tz())
        return False

    def _hub_local_tz(self):
        """The time zone of a cut-off: the shipping warehouse's, else its company's. Never the user's
        whose action happened to start the step (a planner abroad, the sidecar's RPC user)."""
        order = self.process_id.sale_order_id
        company = order.company_id or self.env.company
        return order.warehouse_id.partner_id.tz or company.partner_id.tz or "UTC"

    def _hub_ask_approval(self):
        """A to-do on the process for who decides: the step's escalation user when that user may decide
        (a member of the approval group), else the group's first user."""
        process = self.process_id
        approvers = _internal_users(self.approval_group_id)
        user = self.escalate_user_id & approvers or approvers[:1]
        if not user:
            process.message_post(body=_("“%(step)s” waits for an approval, but %(group)s has no user.",
                                        step=self.name, group=self.approval_group_id.display_name))
            return
        self._hub_schedule(user, _("Approve or reject “%(step)s” of %(process)s", step=self.name, process=process.name),
                           _("Open the process and choose Approve or Reject."))

    def _hub_schedule(self, users, summary, note):
        process = self.process_id.sudo()
        for user in users:
            activity = process.activity_schedule(
                "mail.mail_activity_data_todo", date_deadline=(self.deadline or fields.Datetime.now()).date(),
                user_id=user.id, summary=summary, note=note,
            )
            self.activity_ids = [fields.Command.link(activity.id)]

    def _hub_close_activities(self, feedback):
        activities = self.sudo().activity_ids.exists()
        if activities:
            activities.action_feedback(feedback=feedback)

    # ------------------------------------------------------------------
    # SLA timers (the sidecar's timer worker)
    # ------------------------------------------------------------------

    @api.model
    def hub_fire_timers(self, items):
        """Breach the due steps ``[{step_id, deadline}]`` the sidecar's timer loop claimed.

        ``[{step_id, outcome}]``: fired, stale (the step is no longer in progress, or its deadline moved
        since the timer was queued: nothing to do) or missing. Idempotent: a step breaches once per
        deadline, since breaching moves or clears the deadline (or ends the step).
        """
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may fire process timers."))
        try:
            checked = [check_timer(item, index) for index, item in enumerate(check_batch(items, "items"))]
        except MessageError as error:
            raise ValidationError(str(error)) from None
        Step = self.sudo()
        existing = Step.browse({item["step_id"] for item in checked}).exists()
        if existing:
            # A concurrent approval or signal on the same step waits, or fails and is retried.
            self.env.cr.execute(SQL("SELECT id FROM hub_process_step WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                                    existing.ids))
        results = []
        for item in checked:
            step = Step.browse(item["step_id"])
            outcome = step._hub_fire(item["deadline"]) if step in existing else "missing"
            results.append({"step_id": item["step_id"], "outcome": outcome})
        return results

    def _hub_fire(self, deadline):
        self.ensure_one()
        if (self.state != "active" or self.process_id.state != "running" or not self.deadline
                or self.deadline.replace(microsecond=0) != deadline):
            return "stale"
        self._hub_breach()
        return "fired"

    def _hub_breach(self):
        """The step missed its deadline: escalate (level 1: its people; level 2: Hub Managers, no
        further deadline) or, by policy, fail the process and compensate."""
        process = self.process_id
        now = fields.Datetime.now()
        if self.breach_policy == "compensate":
            self.breached_at = now
            row = process._hub_log_signal(
                SLA_BREACHED, process._hub_root(), f"{SLA_BREACHED}:{self.id}:{iso_utc(self.deadline)}", now, None,
                {"step_id": self.id, "deadline": iso_utc(self.deadline)},
            )
            if row:
                row.write({"step_id": self.id, "note": _("deadline %s passed", iso_utc(self.deadline))})
                process._hub_fail(self, row, _("“%(step)s” missed its deadline %(deadline)s",
                                               step=self.name, deadline=iso_utc(self.deadline)))
            return
        level = self.escalation_level + 1
        deadline = self.deadline
        if level == 1:
            users = self._hub_escalation_users()
            # strictly after the missed one, so a replay of its timer is stale even if fired early
            new_deadline = self._hub_deadline_after(max(now, deadline))
        else:
            users = _internal_users(self.env.ref(HUB_MANAGER))
            new_deadline = False
        self.write({"breached_at": now, "escalation_level": level, "deadline": new_deadline})
        summary = _("Late (level %(level)s): “%(step)s” of %(process)s", level=level, step=self.name, process=process.name)
        self._hub_schedule(users, summary, _("Deadline %s passed.", iso_utc(deadline)))
        process.message_post(body=_(
            "“%(step)s” missed its deadline %(deadline)s: escalated to %(users)s (level %(level)s).",
            step=self.name, deadline=iso_utc(deadline), users=", ".join(users.mapped("name")) or "-", level=level,
        ))
        process._hub_refresh()
        process._hub_notify_changed()

    def _hub_escalation_users(self):
        if self.escalate_user_id:
            return self.escalate_user_id
        for group in (self.escalate_group_id, self.process_id.definition_id.notify_group_id, self.env.ref(HUB_MANAGER)):
            users = _internal_users(group)[:1] if group else None
            if users:
                return users
        return self.env["res.users"]


class HubProcessLeg(models.Model):
    """One delivery of a process's order (a warehouse's picking, a backorder): per-delivery steps are
    done when every open leg reached them."""

    _name = "hub.process.leg"
    _description = "Logistics Hub Process Delivery"
    _order = "process_id, id"

    process_id = fields.Many2one("hub.process", required=True, ondelete="cascade", index=True)
    picking_id = fields.Many2one("stock.picking", required=True, ondelete="cascade", index=True)
    reached_step_codes = fields.Char(help="Comma-separated codes of the per-delivery steps this delivery reached.")
    cancelled = fields.Boolean(help="A cancelled delivery no longer holds per-delivery steps back.")

    _sql_constraints = [("picking_unique", "UNIQUE(process_id, picking_id)", "A delivery is one leg of a process.")]

    def _hub_reached(self):
        self.ensure_one()
        return parse_signals(self.reached_step_codes)

    def _hub_reach(self, codes):
        """Record that this delivery reached ``codes`` (a step and the per-delivery steps before it)."""
        self.ensure_one()
        reached = self._hub_reached()
        missing = [code for code in codes if code not in reached]
        if missing:
            self.reached_step_codes = ",".join(reached + missing)


class HubProcessSignal(models.Model):
    """Every signal a process took, once per occurrence: the exactly-once key and the path it took."""

    _name = "hub.process.signal"
    _description = "Logistics Hub Process Signal"
    _order = "process_id, id"

    process_id = fields.Many2one("hub.process", required=True, ondelete="cascade", index=True)
    signal = fields.Char(required=True)
    source_uid = fields.Char(required=True, help="The occurrence: event uuid, partner message id, tracking event id.")
    occurred_at = fields.Datetime()
    res_model = fields.Char()
    res_id = fields.Many2oneReference(model_field="res_model")
    connector_id = fields.Many2one("hub.connector", ondelete="set null")
    data = fields.Json()
    outcome = fields.Selection(SIGNAL_OUTCOME_SELECTION, required=True, default="applied")
    step_id = fields.Many2one("hub.process.step", ondelete="set null", help="The step it completed or failed.")
    note = fields.Char()

    _sql_constraints = [
        ("occurrence_unique", "UNIQUE(process_id, source_uid)", "A process takes each occurrence once."),
    ]
