from collections import defaultdict

from odoo import api, fields, models

from ..hub.status import worst_status
from .hub_sync_state import SYNC_STATUS_SELECTION

HUB_USER = "logistics_hub.group_hub_user"
# Read-only status for the people who work on the documents (security/logistics_hub_security.xml).
HUB_VIEWER = "logistics_hub.group_hub_viewer"


class HubSyncMixin(models.AbstractModel):
    """Business documents whose changes are sent to partners, and whose sync status people see."""

    _name = "hub.sync.mixin"
    _description = "Logistics Hub Synchronised Document"
    # Computed from hub.sync.state without an ORM dependency: dropped from the cache whenever a sync
    # state is written (hub.sync.state._hub_invalidate_record_badges).
    _hub_sync_fields = ("hub_sync_status", "hub_sync_summary", "hub_sync_badges")

    hub_sync_status = fields.Selection(
        SYNC_STATUS_SELECTION,
        string="Partner Sync",
        compute="_compute_hub_sync",
        groups=HUB_VIEWER,
        help="Most alarming sync status over all connectors this document was sent to.",
    )
    hub_sync_summary = fields.Char(
        string="Partner Sync Details",
        compute="_compute_hub_sync",
        groups=HUB_VIEWER,
    )
    # What the hub_sync_badges widget (owl_ui/src/sync_badges) shows; the same list is pushed on the
    # record's bus channel whenever a sync state of it changes (hub.sync.state._hub_notify_changed).
    hub_sync_badges = fields.Json(
        string="Partner Sync Status",
        compute="_compute_hub_sync",
        groups=HUB_VIEWER,
        help="Sync status of this document on each connector it was sent to.",
    )

    @api.depends_context("uid")
    def _compute_hub_sync(self):
        ids = [rid for rid in self._origin.ids if rid]
        states = self.env["hub.sync.state"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", ids)], order="connector_id, id"
        )
        labels = dict(self.env["hub.sync.state"]._fields["status"]._description_selection(self.env))
        detailed = self._hub_sees_details()
        by_record = defaultdict(list)
        for state in states:
            by_record[state.res_id].append(state)
        for record in self:
            record_states = by_record.get(record._origin.id, [])
            record.hub_sync_status = worst_status(s.status for s in record_states)
            record.hub_sync_summary = " · ".join(
                f"{s.connector_id.name}: {labels[s.status]}" for s in record_states
            ) or False
            record.hub_sync_badges = [self._hub_badge(s, detailed) for s in record_states]

    @api.model
    def _hub_sees_details(self):
        """Whether the reader may see what a partner answered (its error text may quote the payload
        or the partner's response) and the correlation id that leads to the messages: Hub Users."""
        return self.env.su or self.env.user.has_group(HUB_USER)

    @api.model
    def _hub_badge(self, state, detailed=True):
        """One connector's badge of the hub_sync_badges widget (SyncBadge in owl_ui)."""
        return {
            "connector": state.connector_id.name,
            "connector_id": state.connector_id.id,
            "status": state.status,
            "attempts": state.attempts,
            "last_error": detailed and state.last_error or False,
            "correlation_id": detailed and state.correlation_id or False,
            "external_ref": state.external_ref or False,
            "last_sync_at": fields.Datetime.to_string(state.last_sync_at) if state.last_sync_at else False,
        }

    @api.model
    def _hub_badges_by_record(self, res_ids):
        """``{res_id: [badge]}`` of records of this model, in one query."""
        states = self.env["hub.sync.state"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", list(res_ids))], order="connector_id, id"
        )
        badges = defaultdict(list)
        for state in states:
            badges[state.res_id].append(self._hub_badge(state))
        return badges

    def _hub_sync_parents(self):
        """Documents whose aggregate status includes these records' (sale.order.hub_order_sync_badges):
        their bus channel is told when these records' sync states change."""
        return []

    def _hub_emit(self, event_type):
        return self.env["hub.event"]._hub_emit(event_type, self)

    def _hub_event_payload(self, event_type):
        """The ``data`` of the envelope of ``event_type`` for one record (docs/contract.md)."""
        raise NotImplementedError()

    @api.model
    def _hub_partner_data(self, partner):
        return {
            "name": partner.name or None,
            "street": partner.street or None,
            "city": partner.city or None,
            "zip": partner.zip or None,
            "country_code": partner.country_id.code or None,
        }

    @api.model
    def _hub_synced_models(self):
        mixin = self.env["hub.sync.mixin"]
        return [(name, self.env[name]._description) for name in mixin._inherit_children if name in self.env]

    @api.model
    def _hub_record_refs(self, rows):
        """``{row.id: "model,id"}`` for rows (events, sync states) whose record still exists."""
        ids_by_model = defaultdict(set)
        for row in rows:
            if row.res_model in self.env and row.res_id:
                ids_by_model[row.res_model].add(row.res_id)
        existing = {
            model: set(self.env[model].sudo().browse(ids).exists().ids) for model, ids in ids_by_model.items()
        }
        return {
            row.id: f"{row.res_model},{row.res_id}"
            for row in rows
            if row.res_id in existing.get(row.res_model, ())
        }
