from odoo import fields, models


class HubStatusExposure(models.Model):
    """Exposure policy as data: the public status a customer-facing gateway client sees for an
    internal status. Internal statuses without a rule are shown as they are."""

    _name = "hub.status.exposure"
    _description = "Logistics Hub Status Exposure"
    _order = "res_model, status_field, internal_status"

    audience = fields.Selection([("customer", "Customer-facing")], required=True, default="customer")
    res_model = fields.Char(string="Model", required=True, help="e.g. sale.order, stock.picking")
    status_field = fields.Char(required=True, default="state")
    internal_status = fields.Char(required=True)
    public_status = fields.Char(required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("rule_unique", "UNIQUE(audience, res_model, status_field, internal_status)", "One rule per internal status."),
    ]


class HubFieldExposure(models.Model):
    """Fields of the gateway's types hidden from an audience (e.g. prices from customer portals)."""

    _name = "hub.field.exposure"
    _description = "Logistics Hub Hidden Field"
    _order = "type_name, field_name"

    audience = fields.Selection([("customer", "Customer-facing")], required=True, default="customer")
    type_name = fields.Char(string="GraphQL Type", required=True, help="e.g. Order, Shipment, Invoice")
    field_name = fields.Char(string="GraphQL Field", required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("field_unique", "UNIQUE(audience, type_name, field_name)", "This field is already hidden.")]
