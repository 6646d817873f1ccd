from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..hub.api_secrets import SCOPES, hash_secret, new_client_id, new_client_secret, unknown_scopes

# Context key carrying a secret to the dialog that shows it; not a default_ key, so it never fills a
# stored field of a record created from that dialog's context.
SHOWN_SECRET_KEY = "hub_shown_secret"


class HubApiClient(models.Model):
    """A partner system allowed to query the GraphQL gateway with OAuth2 client credentials.

    Every read it makes is scoped to its commercial partner; scopes limit which types it may read,
    and the audience decides whether the customer-facing exposure policy applies.
    """

    _name = "hub.api.client"
    _description = "Logistics Hub Partner API Client"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    client_id = fields.Char(
        string="Client ID", required=True, readonly=True, copy=False, default=lambda self: new_client_id()
    )
    secret_hash = fields.Char(readonly=True, copy=False, groups="logistics_hub.group_hub_manager")
    secret_set_at = fields.Datetime(string="Secret Issued", readonly=True, copy=False)
    partner_id = fields.Many2one("res.partner", required=True, tracking=True, help="The partner whose data this client reads.")
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id", store=True, string="Commercial Entity")
    scopes = fields.Char(
        default="orders:read shipments:read",
        tracking=True,
        help="Space-separated: " + " ".join(SCOPES),
    )
    audience = fields.Selection(
        [("partner", "Business partner"), ("customer", "Customer-facing")],
        required=True,
        default="partner",
        tracking=True,
        help="Customer-facing clients only see the statuses and fields the exposure policy allows.",
    )
    expires_at = fields.Datetime(string="Expires", tracking=True)
    revoked = fields.Boolean(tracking=True, help="A revoked client gets no new tokens and its tokens stop working.")
    active = fields.Boolean(default=True)
    rate_limit = fields.Integer(default=0, help="Gateway requests per minute; 0 uses the gateway default.")

    _sql_constraints = [("client_id_unique", "UNIQUE(client_id)", "The client ID must be unique.")]

    @api.constrains("scopes")
    def _check_scopes(self):
        for client in self:
            unknown = unknown_scopes(client.scopes)
            if unknown:
                raise ValidationError(_("Unknown scopes: %s. Allowed: %s", " ".join(unknown), " ".join(SCOPES)))

    @api.constrains("rate_limit")
    def _check_rate_limit(self):
        if any(client.rate_limit < 0 for client in self):
            raise ValidationError(_("The rate limit cannot be negative."))

    def action_generate_secret(self):
        """Issue a new secret (rotation): only its hash is kept, the secret is shown once."""
        self.ensure_one()
        secret = new_client_secret()
        # secret_hash is a manager-only field: the write itself refuses anyone else
        self.write({"secret_hash": hash_secret(secret), "secret_set_at": fields.Datetime.now()})
        self.message_post(body=_("A new client secret was issued; earlier secrets stop working."))
        # Like res.users.apikeys.show: the dialog is a new, never saved record of an abstract model and the
        # secret travels only in this answer's context, so no row anywhere holds the plaintext.
        return {
            "type": "ir.actions.act_window",
            "name": _("Client secret"),
            "res_model": "hub.api.client.secret",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {SHOWN_SECRET_KEY: secret, "hub_shown_client_id": self.client_id},
        }

    def action_revoke(self):
        self.write({"revoked": True})
        for client in self:
            client.message_post(body=_("Client revoked: its tokens are refused from now on."))


class HubApiClientSecret(models.AbstractModel):
    """Shows a freshly issued secret once. Abstract (no table): the dialog is never saved, the secret is
    the default given by the context of the action that opened it, so the database never holds it."""

    _name = "hub.api.client.secret"
    _description = "Logistics Hub API Client Secret (shown once)"

    # the field 'id' is needed for the onchange that fills the dialog (as in res.users.apikeys.show)
    id = fields.Id()
    client_identifier = fields.Char(string="Client ID", readonly=True,
                                    default=lambda self: self.env.context.get("hub_shown_client_id"))
    secret = fields.Char(readonly=True, default=lambda self: self.env.context.get(SHOWN_SECRET_KEY))
