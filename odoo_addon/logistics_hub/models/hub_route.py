from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import datetime, safe_eval, time

from ..hub.adapter_manifests import consumes
from ..hub.envelope import EVENT_MODELS

EVENT_TYPE_SELECTION = [
    ("order.confirmed", "Order confirmed"),
    ("order.cancelled", "Order cancelled"),
    ("picking.ready", "Delivery ready"),
    ("picking.done", "Delivery done"),
    ("invoice.posted", "Invoice posted"),
    ("shipment.delivered", "Shipment delivered"),
    ("charge.billable", "Charge billable"),
]


class HubRoute(models.Model):
    _name = "hub.route"
    _description = "Logistics Hub Route"
    _order = "connector_id, event_type"

    connector_id = fields.Many2one("hub.connector", required=True, ondelete="cascade", index=True)
    event_type = fields.Selection(EVENT_TYPE_SELECTION, required=True)
    active = fields.Boolean(default=True)
    carrier_rule = fields.Selection(
        [("cheapest", "Cheapest"), ("fastest", "Fastest")],
        required=True,
        default="cheapest",
        help="How a rate-shopping connector picks a carrier.",
    )
    filter_domain = fields.Char(
        string="Only For",
        help="Odoo domain on the routed record, e.g. [(\"partner_id.is_company\", \"=\", True)] for "
        "business customers only. Empty: every record.",
    )
    # Not a constraint: a route the adapter does not take is still captured (and dead-lettered with the
    # adapter's reason), so a person sees it; the form warns before that happens.
    adapter_takes_event = fields.Boolean(
        compute="_compute_adapter_takes_event",
        help="Whether the connector's adapter delivers this event type (its manifest's consumes).",
    )

    _sql_constraints = [
        (
            "connector_event_unique",
            "UNIQUE(connector_id, event_type)",
            "A connector has at most one route per event type.",
        ),
    ]

    @api.depends("connector_id.name", "event_type")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for route in self:
            route.display_name = f"{route.connector_id.name} / {labels.get(route.event_type, '')}"

    @api.depends("connector_id.adapter", "event_type")
    def _compute_adapter_takes_event(self):
        for route in self:
            route.adapter_takes_event = consumes(route.connector_id.adapter, route.event_type)

    @api.onchange("event_type")
    def _onchange_event_type_adapter(self):
        if self.event_type and self.connector_id.adapter and not self.adapter_takes_event:
            labels = dict(self._fields["event_type"]._description_selection(self.env))
            adapter_labels = dict(self.connector_id._fields["adapter"]._description_selection(self.env))
            return {"warning": {
                "title": _("This adapter does not take that event"),
                "message": _(
                    "%(adapter)s connectors do not deliver “%(event)s”: events routed here would be dead-lettered.",
                    adapter=adapter_labels.get(self.connector_id.adapter, self.connector_id.adapter),
                    event=labels.get(self.event_type, self.event_type),
                ),
            }}

    @api.constrains("filter_domain", "event_type")
    def _check_filter_domain(self):
        for route in self.filtered("filter_domain"):
            try:
                domain = route._hub_domain()
                # Builds the query without running it: unknown fields and bad operators fail here.
                self.env[EVENT_MODELS[route.event_type]].sudo()._search(domain)
            except Exception as error:  # noqa: BLE001 - any parse or field error means the same to a person
                raise ValidationError(_(
                    "The filter of route %(route)s is not a valid domain: %(error)s",
                    route=route.display_name, error=error,
                )) from None

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _hub_route_table
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _hub_domain(self):
        self.ensure_one()
        if not self.filter_domain:
            return []
        domain = safe_eval(self.filter_domain, {
            "uid": self.env.uid, "user": self.env.user, "time": time, "datetime": datetime,
        })
        if not isinstance(domain, (list, tuple)):
            raise ValueError(_("a domain is a list, got %s", type(domain).__name__))
        return list(domain)

    def _hub_matching(self, records):
        """The records this route sends its event for."""
        self.ensure_one()
        domain = self._hub_domain()
        if not domain:
            return records
        # Like the payload snapshot, routing must not depend on what the triggering user may read.
        return records.browse(records.sudo().filtered_domain(domain).ids)

    @api.model
    @tools.ormcache("event_type")
    def _hub_route_table(self, event_type):
        """``((route_id, connector_id, connector_code, has_filter), ...)`` of an event type.

        Asked on every order confirmation and reservation, changed rarely: cached per registry and
        cleared (on every worker) when routes change or connectors are archived or renamed, so
        emitting reads no route or connector row.
        """
        routes = self.sudo().search([("event_type", "=", event_type), ("connector_id.active", "=", True)])
        return tuple((route.id, route.connector_id.id, route.connector_id.code, bool(route.filter_domain)) for route in routes)

    @api.model
    def _hub_connectors_for(self, event_type):
        """Active connectors an event type is routed to (whatever their filter)."""
        return self.env["hub.connector"].sudo().browse({connector_id for _r, connector_id, *_rest in self._hub_route_table(event_type)})
