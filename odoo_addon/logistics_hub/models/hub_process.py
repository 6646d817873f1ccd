import logging

from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.tools import SQL

from ..hub.process_signals import (
    BREACH_POLICY_SELECTION, COMPENSATION_SELECTION, FINISHED_STATES, PROCESS_STATE_SELECTION, SIGNALS,
    SIGNAL_OUTCOME_SELECTION, SLA_KIND_SELECTION, STEP_STATE_SELECTION,
)

_logger = logging.getLogger(__name__)


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
    deadline = fields.Datetime(readonly=True, index=True, help="Deadline of the current step.")
    is_late = fields.Boolean(readonly=True, index=True)
    waiting_approval = fields.Boolean(readonly=True, index=True)
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    short_quantity = fields.Float(readonly=True, help="Units the warehouse shipped less than ordered (kept as backorders).")
    exception_id = fields.Many2one("hub.exception", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("document_unique", "UNIQUE(definition_code, res_model, res_id)", "A document runs a process of each definition once."),
    ]

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
        """The processes ``signal`` on ``record`` concerns, started first where it is a trigger."""
        raise NotImplementedError()

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
        return self.env["hub.process.signal"].browse(row[0])

    def _hub_apply_signal(self, signal_row):
        """Advance this process with a newly logged signal; sets ``signal_row.outcome``."""
        raise NotImplementedError()

    def _hub_notify_changed(self):
        """Tell the forms showing these processes that they changed (bus); the card module overrides it."""


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
    # the signal that completed it: its connector gets the compensation event
    done_signal_id = fields.Many2one("hub.process.signal", ondelete="set null")
    compensation_event_id = fields.Many2one("hub.event", ondelete="set null")

    _sql_constraints = [("code_unique", "UNIQUE(process_id, code)", "A step code is unique within its process.")]


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
