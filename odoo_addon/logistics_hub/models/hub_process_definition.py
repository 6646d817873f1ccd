from odoo import fields, models

from ..hub.process_signals import BREACH_POLICY_SELECTION, COMPENSATION_SELECTION, SLA_KIND_SELECTION

HUB_MANAGER = "logistics_hub.group_hub_manager"


class HubProcessDefinition(models.Model):
    """A business flow the hub follows (order-to-delivery, return-to-refund): ordered steps, each with
    the signals that complete or fail it, its deadline, who is told when it is late and what undoes it.

    Versioned: every change of its steps raises ``version``, and a process copies the steps it runs
    (hub.process.step) when it starts, so a change never alters a running process.
    """

    _name = "hub.process.definition"
    _description = "Logistics Hub Process Definition"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, readonly=True, help="Stable key, e.g. order_to_delivery.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Text()
    trigger_signal = fields.Char(
        required=True, tracking=True,
        help="The signal that starts one process per business document (e.g. order.confirmed).",
    )
    version = fields.Integer(default=1, readonly=True, tracking=True,
                             help="Raised by every change of the steps; running processes keep theirs.")
    step_ids = fields.One2many("hub.process.definition.step", "definition_id", string="Steps", copy=True)
    notify_group_id = fields.Many2one(
        "res.groups", string="Responsible Group",
        help="Told when a process fails or compensates; default: Hub Managers.",
    )

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A process definition code must be unique.")]


class HubProcessDefinitionStep(models.Model):
    _name = "hub.process.definition.step"
    _description = "Logistics Hub Process Definition Step"
    _order = "definition_id, sequence, id"

    definition_id = fields.Many2one("hub.process.definition", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="Stable key of the step within its definition, e.g. carrier_booked.")
    name = fields.Char(required=True)
    after_step_ids = fields.Many2many(
        "hub.process.definition.step", "hub_process_definition_step_after_rel", "step_id", "after_id",
        string="Waits For",
        help="Steps that must be done first. Empty: the previous step in the sequence (none for the first).",
    )
    complete_signals = fields.Char(help="Comma-separated signals that complete the step.")
    fail_signals = fields.Char(help="Comma-separated signals that fail the step (and the process).")
    per_leg = fields.Boolean(
        string="Per Delivery",
        help="Done when every delivery of the order (each warehouse, each backorder) reached it.",
    )
    sla_kind = fields.Selection(SLA_KIND_SELECTION, string="Deadline", required=True, default="none")
    sla_minutes = fields.Integer(string="Minutes Allowed")
    sla_cutoff = fields.Float(string="Cut-off Time", help="Hour of the day (company time zone), e.g. 16.5 for 16:30.")
    breach_policy = fields.Selection(BREACH_POLICY_SELECTION, string="When Late", required=True, default="escalate")
    escalate_user_id = fields.Many2one("res.users", string="Escalate To")
    escalate_group_id = fields.Many2one("res.groups", string="Escalate To Group")
    compensation = fields.Selection(COMPENSATION_SELECTION, required=True, default="none",
                                    help="What undoes this step once done, when a later step fails for good.")
    approval_required = fields.Boolean(help="A person must approve the step (Approve / Reject on the process).")
    approval_group_id = fields.Many2one("res.groups", string="Approvers")

    _sql_constraints = [
        ("code_unique", "UNIQUE(definition_id, code)", "A step code must be unique within its definition."),
    ]
