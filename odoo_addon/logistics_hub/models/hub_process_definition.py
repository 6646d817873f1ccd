from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..hub.process_signals import (
    BREACH_POLICY_SELECTION, COMPENSATION_SELECTION, SIGNALS, SLA_KIND_SELECTION, parse_signals, unknown_signals,
)

HUB_MANAGER = "logistics_hub.group_hub_manager"

# Set while a definition and its steps change together (a form save sends one write with many step
# commands, applied one by one; a copy creates the steps before pointing their Waits For at the new
# siblings): the steps neither validate nor raise the version on their own, the definition does it
# once on the final state, so a half-applied save is never judged.
STEPS_DEFERRED = "hub_process_definition_steps_deferred"

SIGNAL_CODES_HELP = "Known signals: " + ", ".join(SIGNALS) + "."


def find_cycle(predecessors):
    """A cycle in ``{node: [predecessor, ...]}`` as a list of nodes in the order they would run, its
    first node repeated at the end (``[a, b, a]``), or None when the graph is acyclic. The cycle starts
    at its node listed first in ``predecessors`` (the lowest sequence), so the message reads naturally."""
    position = {node: i for i, node in enumerate(predecessors)}
    state = {}  # node -> "open" while on the current path, "closed" once fully explored

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for before in predecessors.get(node, ()):
            if state.get(before) == "open":
                # path runs from successors back to predecessors: reverse it into running order
                loop = list(reversed(path[path.index(before):]))
                start = min(range(len(loop)), key=lambda i: position[loop[i]])
                loop = loop[start:] + loop[:start]
                return loop + loop[:1]
            if before not in state:
                found = visit(before, path)
                if found:
                    return found
        path.pop()
        state[node] = "closed"
        return None

    for node in predecessors:
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def blocked_by(order, predecessors, completable):
    """For each node of an acyclic graph that can never start, the node that never completes which it
    waits for (directly or through other nodes): ``{node: blocker}``. ``order`` is a topological order."""
    blocked = {}
    for node in order:
        for before in predecessors.get(node, ()):
            if not completable[before]:
                blocked[node] = before
                break
            if before in blocked:
                blocked[node] = blocked[before]
                break
    return blocked


def topological_order(predecessors):
    """The nodes of an acyclic ``{node: [predecessor, ...]}`` graph, each after its predecessors."""
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for before in predecessors.get(node, ()):
            visit(before)
        order.append(node)

    for node in predecessors:
        visit(node)
    return order


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
        help="The signal that starts one process per business document (e.g. order.confirmed). "
        "It also completes the first step, so a step must list it. " + SIGNAL_CODES_HELP,
    )
    version = fields.Integer(default=1, readonly=True, tracking=True,
                             help="Raised by every change of the steps; running processes keep theirs.")
    step_ids = fields.One2many("hub.process.definition.step", "definition_id", string="Steps", copy=True)
    notify_group_id = fields.Many2one(
        "res.groups", string="Responsible Group",
        help="Told when a process fails or compensates; default: Hub Managers.",
    )
    step_count = fields.Integer(compute="_compute_step_count", string="Steps Count")
    signal_catalogue = fields.Html(
        compute="_compute_signal_catalogue", sanitize=False,
        help="The signals a step can list: milestones the hub sees, partners' results, people's decisions.",
    )

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A process definition code must be unique.")]

    @api.depends("step_ids")
    def _compute_step_count(self):
        for definition in self:
            definition.step_count = len(definition.step_ids)

    def _compute_signal_catalogue(self):
        rows = Markup("").join(
            Markup("<tr><td><code>%s</code></td><td>%s</td></tr>") % (code, label)
            for code, label in SIGNALS.items()
        )
        table = Markup(
            '<table class="table table-sm o_hub_signal_catalogue"><thead><tr><th>%s</th><th>%s</th></tr></thead>'
            "<tbody>%s</tbody></table>"
        ) % (_("Signal"), _("Meaning"), rows)
        for definition in self:
            definition.signal_catalogue = table

    # ------------------------------------------------------------------
    # Validation: a definition the engine cannot run is refused on save
    # ------------------------------------------------------------------

    @api.constrains("trigger_signal", "step_ids")
    def _check_steps(self):
        if self.env.context.get(STEPS_DEFERRED):
            return  # the create/write/copy that set it validates the final state
        self._hub_validate()

    def _hub_validate(self):
        """Raise a ValidationError naming the definition and each offending step when it cannot run."""
        for definition in self:
            problems = definition._hub_problems()
            if problems:
                raise ValidationError(
                    _("Process definition “%(name)s” (%(code)s) cannot be saved:\n%(problems)s",
                      name=definition.name, code=definition.code,
                      problems="\n".join(f"- {problem}" for problem in problems))
                )

    def _hub_problems(self):
        self.ensure_one()
        steps = self._hub_sorted_steps()
        problems = []
        if unknown_signals(self.trigger_signal):
            problems.append(_("the trigger signal %(signal)s is not a known signal", signal=self.trigger_signal))
        elif len(parse_signals(self.trigger_signal)) != 1:
            problems.append(_("the trigger must be one signal, not %(signal)s", signal=self.trigger_signal))
        elif not any(self.trigger_signal.strip() in parse_signals(step.complete_signals) for step in steps):
            problems.append(_(
                "no step is completed by the trigger signal %(signal)s: list it in the first step's completing signals",
                signal=self.trigger_signal.strip(),
            ))
        for step in steps:
            problems += step._hub_problems()
        predecessors = self._hub_predecessors()
        foreign = {step: before - steps for step, before in predecessors.items() if before - steps}
        for step, before in foreign.items():
            problems.append(_(
                "step %(step)s waits for %(others)s of another process definition",
                step=step._hub_label(), others=", ".join(before.mapped(lambda s: s._hub_label())),
            ))
        if foreign:
            return problems  # the graph below only makes sense within one definition
        graph = {step.id: predecessors[step].ids for step in steps}
        cycle = find_cycle(graph)
        if cycle:
            problems.append(_(
                "steps wait for each other in a cycle, so none of them can start: %(cycle)s",
                cycle=" -> ".join(self.env["hub.process.definition.step"].browse(cycle).mapped("code")),
            ))
            return problems
        completable = {step.id: step._hub_can_complete() for step in steps}
        blocked = blocked_by(topological_order(graph), graph, completable)
        for step in steps.filtered(lambda s: s.id in blocked):
            blocker = steps.browse(blocked[step.id])
            problems.append(_(
                "step %(step)s can never start: it waits for %(blocker)s, which can never complete",
                step=step._hub_label(), blocker=blocker._hub_label(),
            ))
        return problems

    def _hub_sorted_steps(self):
        return self.step_ids.sorted(lambda step: (step.sequence, step.id))

    def _hub_predecessors(self):
        """``{step: steps it waits for}``: its Waits For, else the previous step by sequence."""
        self.ensure_one()
        predecessors, previous = {}, self.env["hub.process.definition.step"]
        for step in self._hub_sorted_steps():
            predecessors[step] = step.after_step_ids or previous
            previous = step
        return predecessors

    # ------------------------------------------------------------------
    # CRUD: one validation and one version per save
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(STEPS_DEFERRED):
            return super().create(vals_list)  # a copy, validated once its steps wait for their siblings
        definitions = super(HubProcessDefinition, self.with_context(**{STEPS_DEFERRED: True})).create(vals_list)
        definitions = definitions.with_env(self.env)
        definitions._hub_validate()
        return definitions

    def write(self, vals):
        if self.env.context.get(STEPS_DEFERRED) or not ({"step_ids", "trigger_signal"} & set(vals)):
            return super().write(vals)
        changed = self.browse()
        if vals.get("step_ids"):
            changed = self
        elif "trigger_signal" in vals:
            changed = self.filtered(lambda d: d.trigger_signal != vals["trigger_signal"])
        result = super(HubProcessDefinition, self.with_context(**{STEPS_DEFERRED: True})).write(vals)
        self._hub_validate()
        changed._hub_bump_version()
        return result

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default)
        for definition, vals in zip(self, vals_list):
            if "code" not in default:
                vals["code"] = definition._hub_free_code(f"{definition.code}_copy")
            if "name" not in default:
                vals["name"] = _("%s (copy)", definition.name)
            vals["version"] = 1
            if "active" not in default:
                # archived until an admin turns it on: an active copy would start a second process
                # for every document its trigger sees
                vals["active"] = False
        return vals_list

    def copy(self, default=None):
        # The copied steps still wait for the original's steps: point them at their new siblings
        # (same code) before validating the copy.
        copies = super(HubProcessDefinition, self.with_context(**{STEPS_DEFERRED: True})).copy(default)
        for original, copy in zip(self, copies):
            new_by_code = {step.code: step for step in copy.step_ids}
            for old_step in original.step_ids.filtered("after_step_ids"):
                new_by_code[old_step.code].after_step_ids = [
                    fields.Command.set([new_by_code[before.code].id for before in old_step.after_step_ids])
                ]
        copies = copies.with_env(self.env)
        copies._hub_validate()
        return copies

    def _hub_free_code(self, base):
        code, n = base, 1
        while self.with_context(active_test=False).search_count([("code", "=", code)]):
            n += 1
            code = f"{base}_{n}"
        return code

    def _hub_bump_version(self):
        """One more version per definition: processes started before keep the steps they copied."""
        for definition in self:
            definition.write({"version": definition.version + 1})

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _hub_step_values(self):
        """The steps a new process copies (hub.process.step values, without process_id), in sequence
        order; ``after_codes`` spells out the implicit "previous step" so the process needs no rule."""
        self.ensure_one()
        predecessors = self._hub_predecessors()
        values = []
        for step in self._hub_sorted_steps():
            values.append({
                "sequence": step.sequence,
                "code": step.code,
                "name": step.name,
                "after_codes": ",".join(predecessors[step]._hub_sorted().mapped("code")),
                "complete_signals": ",".join(parse_signals(step.complete_signals)),
                "fail_signals": ",".join(parse_signals(step.fail_signals)),
                "per_leg": step.per_leg,
                "sla_kind": step.sla_kind,
                "sla_minutes": step.sla_minutes,
                "sla_cutoff": step.sla_cutoff,
                "breach_policy": step.breach_policy,
                "escalate_user_id": step.escalate_user_id.id,
                "escalate_group_id": step.escalate_group_id.id,
                "compensation": step.compensation,
                "approval_required": step.approval_required,
                "approval_group_id": step.approval_group_id.id,
            })
        return values


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
    complete_signals = fields.Char(
        help="Comma-separated signals that complete the step (an approval step is also completed by "
        "approval.granted). " + SIGNAL_CODES_HELP,
    )
    fail_signals = fields.Char(
        help="Comma-separated signals that fail the step (and the process, which then compensates the "
        "done steps). " + SIGNAL_CODES_HELP,
    )
    per_leg = fields.Boolean(
        string="Per Delivery",
        help="Done when every delivery of the order (each warehouse, each backorder) reached it.",
    )
    sla_kind = fields.Selection(SLA_KIND_SELECTION, string="Deadline", required=True, default="none",
                                help="Duration: minutes from the step's start. Daily cut-off time: the next "
                                "time of day after the step's start, e.g. a carrier's last pick-up.")
    sla_minutes = fields.Integer(string="Minutes Allowed")
    sla_cutoff = fields.Float(string="Cut-off Time", help="Hour of the day in the shipping warehouse's time zone (else the company's), e.g. 16.5 for 16:30.")
    breach_policy = fields.Selection(BREACH_POLICY_SELECTION, string="When Late", required=True, default="escalate")
    escalate_user_id = fields.Many2one("res.users", string="Escalate To",
                                       help="Told first when the step is late (and asked to decide an approval).")
    escalate_group_id = fields.Many2one("res.groups", string="Escalate To Group",
                                        help="Told when the step is late and no user is set; then Hub Managers.")
    compensation = fields.Selection(COMPENSATION_SELECTION, required=True, default="none",
                                    help="What undoes this step once done, when a later step fails for good.")
    approval_required = fields.Boolean(help="A person must approve the step (Approve / Reject on the process).")
    approval_group_id = fields.Many2one("res.groups", string="Approvers")

    _sql_constraints = [
        ("code_unique", "UNIQUE(definition_id, code)", "A step code must be unique within its definition."),
    ]

    @api.constrains(
        "definition_id", "sequence", "code", "after_step_ids", "complete_signals", "fail_signals", "sla_kind",
        "sla_minutes", "sla_cutoff", "approval_required", "approval_group_id",
    )
    def _check_definition(self):
        if self.env.context.get(STEPS_DEFERRED):
            return
        self.definition_id._hub_validate()

    def _hub_label(self):
        self.ensure_one()
        return f"“{self.name}” ({self.code})"

    def _hub_sorted(self):
        return self.sorted(lambda step: (step.sequence, step.id))

    def _hub_can_complete(self):
        return bool(parse_signals(self.complete_signals)) or self.approval_required

    def _hub_problems(self):
        """What makes this step unrunnable on its own (the graph is judged by the definition)."""
        self.ensure_one()
        label, problems = self._hub_label(), []
        for field_name, what in (("complete_signals", _("completing")), ("fail_signals", _("failing"))):
            unknown = unknown_signals(self[field_name])
            if unknown:
                problems.append(_("step %(step)s lists unknown %(what)s signal(s) %(signals)s (see the Signals tab)",
                                  step=label, what=what, signals=", ".join(unknown)))
        both = set(parse_signals(self.complete_signals)) & set(parse_signals(self.fail_signals))
        if both:
            problems.append(_("step %(step)s lists %(signals)s both as completing and as failing it",
                              step=label, signals=", ".join(sorted(both))))
        if not self._hub_can_complete():
            problems.append(_("step %(step)s can never complete: it has no completing signal and needs no approval",
                              step=label))
        if self.approval_required and not self.approval_group_id:
            problems.append(_("step %(step)s needs an approval but has no approvers group", step=label))
        if self.sla_kind == "duration" and self.sla_minutes <= 0:
            problems.append(_("step %(step)s has a duration deadline of %(minutes)s minutes: allow more than 0",
                              step=label, minutes=self.sla_minutes))
        if self.sla_kind == "cutoff" and not 0 <= self.sla_cutoff < 24:
            problems.append(_("step %(step)s has a cut-off time of %(hour)s: use an hour from 00:00 to 23:59",
                              step=label, hour=self.sla_cutoff))
        return problems

    # Direct changes of steps (not through the definition's write) validate through the constraint
    # above and raise the version of each definition concerned once per call.

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        if not self.env.context.get(STEPS_DEFERRED):
            steps.definition_id._hub_bump_version()
        return steps

    def write(self, vals):
        if self.env.context.get(STEPS_DEFERRED):
            return super().write(vals)
        before = self.definition_id
        result = super().write(vals)
        if "definition_id" in vals:
            (before - self.definition_id)._hub_validate()  # the one a step left must still run
        (before | self.definition_id)._hub_bump_version()
        return result

    def unlink(self):
        if self.env.context.get(STEPS_DEFERRED):
            return super().unlink()
        definitions = self.definition_id
        result = super().unlink()
        definitions = definitions.exists()
        definitions._hub_validate()
        definitions._hub_bump_version()
        return result


class HubProcessDefinitionTriggers(models.Model):
    """Which signals start a process is cached (hub.process._hub_trigger_signals), because every
    milestone asks: a definition created, archived, deleted or given another trigger clears it."""

    _inherit = "hub.process.definition"

    @api.model_create_multi
    def create(self, vals_list):
        definitions = super().create(vals_list)
        self.env.registry.clear_cache()
        return definitions

    def write(self, vals):
        result = super().write(vals)
        if {"trigger_signal", "active"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
