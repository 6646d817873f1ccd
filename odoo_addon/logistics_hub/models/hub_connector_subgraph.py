from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

SUBGRAPH_STATUSES = [
    ("composed", "In the supergraph"),
    ("failed", "Composition failed"),
    ("unreachable", "Unreachable"),
]


class HubConnectorSubgraph(models.Model):
    """A partner's GraphQL subgraph (kind GraphQL Subgraph): the sidecar's gateway composes it with the
    hub's own graph into the supergraph partners query (sidecar/src/gateway/federation/), and reports here
    how that went, so the person who configured it sees a composition error on the connector itself."""

    _inherit = "hub.connector"

    subgraph_status = fields.Selection(
        SUBGRAPH_STATUSES, string="Supergraph", readonly=True, copy=False, tracking=True,
        help="Whether the gateway's current supergraph includes this subgraph. When a new schema of the "
             "subgraph does not compose, the gateway keeps serving the last supergraph that did.")
    subgraph_error = fields.Text(string="Composition Error", readonly=True, copy=False)
    subgraph_checked_at = fields.Datetime(string="Last Checked", readonly=True, copy=False)

    @api.model
    def hub_report_subgraphs(self, items):
        """The gateway's verdict per subgraph connector: ``[{code, status, error}]`` (docs/contract.md).
        Writes only what changed, so the gateway may report on every poll; a changed status is tracked
        in the connector's chatter."""
        self.env["hub.event"]._hub_check_manager()
        if not isinstance(items, list) or len(items) > 200:
            raise ValidationError(_("Subgraph reports must be a list of at most 200 entries."))
        statuses = dict(SUBGRAPH_STATUSES)
        outcomes = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("code"), str) \
                    or item.get("status") not in statuses or not isinstance(item.get("error") or "", str):
                raise ValidationError(_("Subgraph report %s is malformed: it needs a code, a status (%s) and an "
                                        "error text or null.", index, ", ".join(statuses)))
            connector = self.with_context(active_test=False).search(
                [("code", "=", item["code"]), ("kind", "=", "subgraph")], limit=1)
            if not connector:
                outcomes.append({"code": item["code"], "outcome": "unknown_connector"})
                continue
            error = (item.get("error") or "")[:4000] or False
            vals = {"subgraph_checked_at": fields.Datetime.now()}
            if (connector.subgraph_status, connector.subgraph_error) != (item["status"], error):
                vals.update(subgraph_status=item["status"], subgraph_error=error)
            connector.sudo().write(vals)
            outcomes.append({"code": item["code"], "outcome": "reported"})
        return outcomes
