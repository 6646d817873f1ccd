from odoo import api, fields, models


class HubRecordMixin(models.AbstractModel):
    """Hub rows that point at a synced business record by ``res_model``/``res_id`` (events, sync
    states, exceptions): a clickable reference to that record, when it still exists."""

    _name = "hub.record.mixin"
    _description = "Logistics Hub Record Reference"

    record_ref = fields.Reference(string="Record", selection="_selection_record_ref", compute="_compute_record_ref")

    @api.model
    def _selection_record_ref(self):
        return self.env["hub.sync.mixin"]._hub_synced_models()

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        refs = self.env["hub.sync.mixin"]._hub_record_refs(self)
        for row in self:
            row.record_ref = refs.get(row.id, False)
