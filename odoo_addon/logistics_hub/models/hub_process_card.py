"""The process card of a sale order or a return (owl_ui/src/process_card): what the widget shows and its
live updates over the record's bus channel."""
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.osv import expression

from ..hub.channels import PROCESS_NOTIFICATION_TYPE, sync_channel
from ..hub.process_signals import SIGNALS, parse_signals
from .hub_sync_mixin import HUB_VIEWER

HUB_MANAGER = "logistics_hub.group_hub_manager"
# cr.precommit.data key: the processes changed in this transaction, pushed once at commit
_PENDING = "logistics_hub.process_cards"
# The documents that show process cards: a sale order (all its processes, returns included) and a
# return picking (the processes rooted on it).
CARD_MODELS = ("sale.order", "stock.picking")


def _server_time(value):
    return fields.Datetime.to_string(value) if value else False


def _seconds(start, end):
    return int((end - start).total_seconds()) if start and end else False


class HubProcess(models.Model):
    _inherit = "hub.process"

    # ------------------------------------------------------------------
    # The card
    # ------------------------------------------------------------------

    def _hub_card(self, user=None):
        """What the hub_process_card widget shows of this process (ProcessCard in owl_ui).

        Times are server strings (UTC); ``seconds_in_step`` is counted at ``now`` and the widget
        keeps counting. ``can_approve`` is about ``user`` (None: unknown, as in a bus notification
        every follower receives: the widget keeps what its record said).
        """
        self.ensure_one()
        process = self.sudo()
        now = fields.Datetime.now()
        step_model = self.env["hub.process.step"]
        step_labels = dict(step_model._fields["state"]._description_selection(self.env))
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        open_legs = process.leg_ids.filtered(lambda leg: not leg.cancelled)
        current = process.current_step_id
        steps = []
        for step in process.step_ids.sorted(lambda s: (s.sequence, s.id)):
            end = now if step.state == "active" else step.done_at
            item = {
                "id": step.id,
                "code": step.code,
                "name": step.name,
                "state": step.state,
                "state_label": step_labels.get(step.state, step.state),
                "started_at": _server_time(step.started_at),
                "done_at": _server_time(step.done_at),
                "deadline": _server_time(step.deadline),
                "late": self._hub_card_step_late(step, now),
                "seconds_in_step": _seconds(step.started_at, end),
                "per_leg": step.per_leg,
                "approval": step.approval_required,
                "escalation_level": step.escalation_level,
                "waiting_for": " / ".join(SIGNALS.get(code, code) for code in parse_signals(step.complete_signals)),
            }
            if step.per_leg:
                item["legs_reached"] = len([leg for leg in open_legs if step.code in parse_signals(leg.reached_step_codes)])
                item["legs_total"] = len(open_legs)
            steps.append(item)
        current_item = next((s for s in steps if s["id"] == current.id), False) if current else False
        return {
            "id": process.id,
            "name": process.name,
            "definition": process.definition_id.name,
            "definition_code": process.definition_code,
            "version": process.definition_version,
            "state": process.state,
            "state_label": state_labels.get(process.state, process.state),
            "res_model": process.res_model,
            "res_id": process.res_id,
            "document": self._hub_card_document_name(process),
            "started_at": _server_time(process.started_at),
            "ended_at": _server_time(process.ended_at),
            "current_step": current_item and current_item["code"],
            "current_step_name": current_item and current_item["name"],
            "seconds_in_step": current_item and current_item["seconds_in_step"],
            "deadline": _server_time(process.deadline),
            "is_late": process.is_late,
            "waiting_approval": process.waiting_approval,
            "actor": process._hub_card_actor(current),
            "can_approve": None if user is None else bool(
                process.waiting_approval and current and process._hub_card_may_approve(current, user)
            ),
            "exception": process.exception_id.display_name or False,
            # events kept back after a failure, waiting for a manager to release or discard them
            "held": process.held_count,
            "steps": steps,
            "legs": [{
                "id": leg.id,
                "picking_id": leg.picking_id.id,
                "picking": leg.picking_id.name,
                "reached": parse_signals(leg.reached_step_codes),
                "cancelled": leg.cancelled,
            } for leg in process.leg_ids],
        }

    @api.model
    def _hub_card_step_late(self, step, now):
        if step.breached_at:
            return True
        if not step.deadline:
            return False
        if step.state == "active":
            return step.deadline < now
        return bool(step.state == "done" and step.done_at and step.done_at > step.deadline)

    @api.model
    def _hub_card_document_name(self, process):
        if process.res_model not in self.env or not process.res_id:
            return False
        record = self.env[process.res_model].sudo().browse(process.res_id).exists()
        return record.display_name if record else False

    def _hub_card_actor(self, step):
        """Who must act now, as the card says it: ``{kind, name, user, group}`` or False.

        approval: the approver (the person the engine's activity is assigned to, else the step's
        escalation user) and the approvers' group; escalation: a late step's escalation user or
        group (Hub Managers at level 2); signal: the milestone the hub waits for (a partner's
        callback, a validation in Odoo); compensation / exception: the process's responsible group.
        """
        self.ensure_one()
        responsible = self.definition_id.notify_group_id or self.env.ref(HUB_MANAGER, raise_if_not_found=False)
        if self.state == "compensating":
            return {"kind": "compensation", "name": _("the partners to undo the completed steps"),
                    "user": False, "group": False}
        if self.state == "failed":
            group = responsible.name if responsible else False
            return {"kind": "exception", "name": group or _("a hub manager"), "user": False, "group": group}
        if self.state != "running" or not step or step.state != "active":
            return False
        # the people the engine gave a to-do for this step (approval, escalation), latest first
        asked = step.activity_ids.exists().filtered(lambda a: a.user_id).sorted("id", reverse=True).user_id
        if step.approval_required:
            user = asked[:1] or step.escalate_user_id
            group = step.approval_group_id or self.env.ref(HUB_MANAGER, raise_if_not_found=False)
            return {"kind": "approval", "name": user.name or group.name, "user": user.name or False,
                    "group": group.name if group else False}
        if step.escalation_level:
            user = asked[:1] or (step.escalate_user_id if step.escalation_level == 1 else self.env["res.users"])
            group = (step.escalate_group_id or responsible) if step.escalation_level == 1 else \
                self.env.ref(HUB_MANAGER, raise_if_not_found=False)
            return {"kind": "escalation", "name": user.name or (group.name if group else False),
                    "user": user.name or False, "group": group.name if group else False}
        waiting = [SIGNALS.get(code, code) for code in parse_signals(step.complete_signals)]
        return {"kind": "signal", "name": " / ".join(waiting) or step.name, "user": False, "group": False}

    @api.model
    def _hub_card_may_approve(self, step, user):
        """Whether ``user`` may decide the approval ``step`` (the card shows Approve / Reject): a
        member of its approvers' group, as hub.process._hub_decide checks (the card only follows)."""
        if user._is_superuser():
            return True
        group = step.approval_group_id
        return bool(group) and group in user.sudo().groups_id

    @api.model
    def _hub_cards_by_document(self, res_model, res_ids, user=None):
        """``{res_id: [card]}`` of sale orders (their processes, returns included) or return pickings."""
        ids = [rid for rid in res_ids if rid]
        if not ids:
            return {}
        if res_model == "sale.order":
            domain = expression.OR([
                [("sale_order_id", "in", ids)],
                [("res_model", "=", "sale.order"), ("res_id", "in", ids)],
            ])
        else:
            domain = [("res_model", "=", res_model), ("res_id", "in", ids)]
        cards = defaultdict(list)
        for process in self.sudo().search(domain, order="id"):
            if res_model == "sale.order":
                key = process.sale_order_id.id or (process.res_model == "sale.order" and process.res_id)
            else:
                key = process.res_id
            if key in ids:
                cards[key].append(process._hub_card(user))
        return cards

    # ------------------------------------------------------------------
    # Live updates
    # ------------------------------------------------------------------

    def _hub_card_documents(self):
        """``{model: {id}}``: the documents whose cards show these processes."""
        documents = defaultdict(set)
        for process in self.sudo():
            if process.sale_order_id:
                documents["sale.order"].add(process.sale_order_id.id)
            if process.res_model in CARD_MODELS and process.res_id:
                documents[process.res_model].add(process.res_id)
        return documents

    def _hub_notify_changed(self):
        """Push the cards of the documents showing these processes on their bus channel, once per
        transaction with their final state: at commit (precommit, where bus.bus writes its rows; the
        notification leaves after the commit, so a rolled back change shows nothing)."""
        super()._hub_notify_changed()
        if not self:
            return
        for model in CARD_MODELS:
            self.env[model].invalidate_model(["hub_process_cards"])
        precommit = self.env.cr.precommit
        pending = precommit.data.get(_PENDING)
        if pending is None:
            pending = precommit.data[_PENDING] = set()
            processes = self.env["hub.process"].sudo()

            @precommit.add
            def push_process_cards():
                processes.browse(precommit.data.pop(_PENDING, ()))._hub_push_cards()
        pending.update(self.ids)

    def _hub_push_cards(self):
        processes = self.sudo().exists()
        if not processes:
            return
        bus = self.env["bus.bus"].sudo()
        for res_model, res_ids in processes._hub_card_documents().items():
            existing = self.env[res_model].sudo().browse(sorted(res_ids)).exists()
            cards = processes._hub_cards_by_document(res_model, existing.ids)
            for res_id in existing.ids:
                bus._sendone(sync_channel(res_model, res_id), PROCESS_NOTIFICATION_TYPE, {
                    "model": res_model, "id": res_id, "cards": cards.get(res_id, []),
                })


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # What the hub_process_card widget shows: the order's processes (order to delivery, its returns),
    # pushed on the order's bus channel at every change (hub.process._hub_notify_changed). Read as
    # superuser: a salesperson sees where the order is without access to the hub's process records.
    # No help text: the form shows it without a label, and a field's help would then be a tooltip
    # over the whole card.
    hub_process_cards = fields.Json(string="Processes", compute="_compute_hub_process_cards", groups=HUB_VIEWER)

    @api.depends_context("uid")
    def _compute_hub_process_cards(self):
        cards = self.env["hub.process"]._hub_cards_by_document("sale.order", self._origin.ids, self.env.user)
        for order in self:
            order.hub_process_cards = cards.get(order._origin.id, [])


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # the return's return-to-refund process (as sale.order.hub_process_cards)
    hub_process_cards = fields.Json(string="Processes", compute="_compute_hub_process_cards", groups=HUB_VIEWER)

    @api.depends_context("uid")
    def _compute_hub_process_cards(self):
        cards = self.env["hub.process"]._hub_cards_by_document("stock.picking", self._origin.ids, self.env.user)
        for picking in self:
            picking.hub_process_cards = cards.get(picking._origin.id, [])
