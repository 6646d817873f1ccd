import json
import logging
import re
from datetime import timedelta
from urllib.parse import quote

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..hub.adapter_manifests import adapter_selection, adapter_settings, needs_base_url
from ..hub.envelope import new_secret
from .hub_api_client import SHOWN_SECRET_KEY

CODE_PATTERN = re.compile(r"[a-z0-9_-]+")
DEFAULT_SIDECAR_URL = "http://127.0.0.1:4000"
SIDECAR_TIMEOUT = 10
# What the REST partner adapter sends by default: the canonical envelope to the base URL
# (the same text as DEFAULT_REST_MAPPING in sidecar/src/adapters/rest/mapping.ts).
DEFAULT_REST_MAPPING = '{"path": "", "request": "$", "reference": null}'

_logger = logging.getLogger(__name__)


class HubConnector(models.Model):
    _name = "hub.connector"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Logistics Hub Connector"
    _order = "name, id"

    code = fields.Char(
        required=True,
        help="URL-safe identifier (lowercase letters, digits, '-' and '_'); "
        "partners call back on /hooks/<code>.",
    )
    name = fields.Char(required=True, tracking=True)
    kind = fields.Selection(
        [
            ("carrier", "Carrier"),
            ("wms", "Warehouse / 3PL"),
            ("tms", "Transport / Fleet"),
            ("billing", "Billing"),
            ("portal", "Customer Portal"),
            ("webhook", "Generic Webhook"),
            ("subgraph", "GraphQL Subgraph"),
        ],
        required=True,
        default="webhook",
    )
    # The sidecar's adapter manifests are the one list (hub/adapter_manifests.py); keys never change.
    adapter = fields.Selection(
        adapter_selection(),
        required=True,
        default="webhook",
        tracking=True,
        help="How the sidecar talks to this partner.",
    )
    adapter_needs_base_url = fields.Boolean(
        compute="_compute_adapter_settings",
        help="The adapter's manifest lists a base URL among its settings (rate shopping, for one, has none).",
    )
    adapter_takes_mapping = fields.Boolean(compute="_compute_adapter_settings")
    base_url = fields.Char(string="Base URL", tracking=True)
    rest_mapping = fields.Text(
        string="REST Mapping",
        default=DEFAULT_REST_MAPPING,
        tracking=True,
        help="For the REST partner adapter: a JSON object with the path to POST to (after the base URL), "
        "the JSONata expression that builds the request from the canonical envelope, and the JSONata "
        "expression that reads the partner's reference from its answer (null: the partner returns none).",
    )
    secret = fields.Char(
        groups="logistics_hub.group_hub_manager",
        copy=False,
        default=lambda self: new_secret(),
        help="Standard Webhooks secret: signs outbound messages and verifies inbound ones "
        "(the API key for partners that take a bearer key). Use Rotate Secret to change it without an outage.",
    )
    # Rotation (Svix-style): until previous_secret_expires the old secret is still accepted on inbound
    # hooks and outbound messages carry a signature by each, so the partner can switch at its own pace.
    previous_secret = fields.Char(groups="logistics_hub.group_hub_manager", copy=False, readonly=True)
    previous_secret_expires = fields.Datetime(
        string="Previous Secret Accepted Until", copy=False, readonly=True,
        help="Until then the previous secret is still accepted inbound and outbound messages carry both signatures.",
    )
    secret_overlap_hours = fields.Integer(
        string="Rotation Overlap", default=24,
        help="Hours the previous secret stays valid after a rotation.",
    )
    active = fields.Boolean(default=True, tracking=True)
    responsible_user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True,
        help="Gets a to-do activity for each new exception on this connector. "
        "Empty: every Logistics Hub manager gets one.",
    )
    timeout = fields.Integer(default=10, help="Seconds per partner call.")
    rate_limit = fields.Integer(default=0, help="Partner calls per minute, 0 means unlimited.")
    max_attempts = fields.Integer(default=5, help="Delivery attempts before an event is dead-lettered.")
    retry_delay = fields.Integer(default=10, help="Seconds before the first retry.")
    retry_backoff = fields.Boolean(default=True, help="Double the delay after each failed attempt.")
    sync_mode = fields.Selection(
        [("realtime", "Real time"), ("batch", "Batch")],
        required=True,
        default="realtime",
    )
    batch_interval = fields.Integer(default=15, help="Minutes between batch deliveries.")
    route_ids = fields.One2many("hub.route", "connector_id", string="Routes")
    event_count = fields.Integer(compute="_compute_event_count")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "The connector code must be unique."),
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be positive."),
        ("rate_limit_positive", "CHECK(rate_limit >= 0)", "The rate limit cannot be negative."),
        ("max_attempts_positive", "CHECK(max_attempts >= 1)", "At least one delivery attempt is needed."),
        ("retry_delay_positive", "CHECK(retry_delay >= 0)", "The retry delay cannot be negative."),
        ("batch_interval_positive", "CHECK(batch_interval >= 1)", "The batch interval must be at least one minute."),
        ("secret_overlap_positive", "CHECK(secret_overlap_hours >= 0)", "The rotation overlap cannot be negative."),
    ]

    @api.depends("adapter")
    def _compute_adapter_settings(self):
        for connector in self:
            connector.adapter_needs_base_url = needs_base_url(connector.adapter)
            connector.adapter_takes_mapping = "rest_mapping" in adapter_settings(connector.adapter)

    @api.constrains("adapter", "rest_mapping")
    def _check_rest_mapping(self):
        """The shape only (the sidecar compiles the JSONata and names the connector when an expression is wrong):
        a typo caught on save costs less than an event dead-lettered later."""
        for connector in self:
            if "rest_mapping" not in adapter_settings(connector.adapter):
                continue
            try:
                mapping = json.loads(connector.rest_mapping or "")
            except ValueError as error:
                raise ValidationError(_(
                    "The REST mapping of %(connector)s is not JSON: %(error)s", connector=connector.name, error=error,
                )) from error
            if not isinstance(mapping, dict) or not isinstance(mapping.get("request"), str) or not mapping["request"].strip():
                raise ValidationError(_(
                    'The REST mapping of %s needs a "request" expression (e.g. "$" for the canonical envelope).',
                    connector.name,
                ))
            unknown = set(mapping) - {"path", "request", "reference"}
            if unknown:
                raise ValidationError(_(
                    "The REST mapping of %(connector)s has unknown keys: %(keys)s",
                    connector=connector.name, keys=", ".join(sorted(unknown)),
                ))
            if not isinstance(mapping.get("path", ""), str) or not isinstance(mapping.get("reference"), (str, type(None))):
                raise ValidationError(_(
                    'In the REST mapping of %s, "path" must be text and "reference" text or null.', connector.name,
                ))
            if re.match(r"^([a-z][a-z0-9+.-]*:|//)", mapping.get("path", ""), re.IGNORECASE):
                # a URL here would send signed envelopes to a host other than the connector's Base URL
                raise ValidationError(_(
                    'In the REST mapping of %s, "path" must be a path under the Base URL (e.g. "/orders"), not a URL.',
                    connector.name,
                ))

    def _compute_event_count(self):
        counts = dict(
            self.env["hub.event"]._read_group(
                [("connector_id", "in", self.ids)], ["connector_id"], ["__count"]
            )
        )
        for connector in self:
            connector.event_count = counts.get(connector._origin, 0)

    @api.constrains("code")
    def _check_code(self):
        for connector in self:
            if not CODE_PATTERN.fullmatch(connector.code or ""):
                raise ValidationError(
                    _("Connector code %s may only contain lowercase letters, digits, '-' and '_'.", connector.code)
                )

    @api.constrains("secret", "previous_secret")
    def _check_secret_not_shared(self):
        """A secret belongs to one connector: an inbound signature only says which secret signed, so a
        secret shared by two connectors would let one partner's messages pass as the other's (docs/threat-model.md).
        Previous secrets count as well: they still verify during a rotation's overlap. Archived
        connectors count too, since unarchiving one would otherwise bring a shared secret back."""
        Connector = self.sudo().with_context(active_test=False)
        for connector in self.sudo():
            own = {s for s in (connector.secret, connector.previous_secret) if s}
            if not own:
                continue
            other = Connector.search([
                ("id", "!=", connector.id), "|", ("secret", "in", list(own)), ("previous_secret", "in", list(own)),
            ], limit=1)
            if other:
                # Never the value, only where it is used: a manager can rotate one of the two.
                raise ValidationError(_(
                    "Connector %(connector)s cannot use a secret that connector %(other)s already uses (now or "
                    "until its rotation ends): every connector needs its own secret.",
                    connector=connector.name, other=other.name,
                ))

    def write(self, vals):
        if {"active", "code"} & vals.keys():
            self.env.registry.clear_cache()  # hub.route._hub_route_table: archived connectors, codes
        result = super().write(vals)
        if "secret" in vals and not self.env.context.get("hub_secret_rotation"):
            for connector in self:
                # Never the value: who changed it and when is what an audit needs.
                connector.message_post(body=_("Secret changed by %s.", self.env.user.name))
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if "code" not in (default or {}):
            for connector, vals in zip(self, vals_list):
                vals["code"] = f"{connector.code}-copy"
        return vals_list

    def action_regenerate_secret(self):
        """Rotate the secret: a new one is shown once; the old one stays valid for the overlap period."""
        self.ensure_one()
        self._hub_check_secret_rights()
        secret = new_secret()
        expires = fields.Datetime.now() + timedelta(hours=self.secret_overlap_hours)
        self.with_context(hub_secret_rotation=True).write({
            "previous_secret": self.secret if self.secret_overlap_hours else False,
            "previous_secret_expires": expires if self.secret_overlap_hours else False,
            "secret": secret,
        })
        if self.secret_overlap_hours:
            note = _("Secret rotated by %(user)s. Until %(until)s (UTC) the previous secret is still accepted "
                     "and outbound messages are signed with both.", user=self.env.user.name, until=expires)
        else:
            note = _("Secret rotated by %s. The previous secret stopped working at once.", self.env.user.name)
        self.message_post(body=note)
        return self._hub_show_secret(secret, _("New secret"))

    def action_show_secret(self):
        """Show the current secret with a copy button (the partner needs it); the showing is logged."""
        self.ensure_one()
        self._hub_check_secret_rights()
        if not self.secret:
            raise UserError(_("Connector %s has no secret: rotate to create one.", self.name))
        self.message_post(body=_("Secret shown to %s.", self.env.user.name))
        return self._hub_show_secret(self.secret, _("Secret of %s", self.name))

    def action_end_secret_overlap(self):
        """The partner uses the new secret: stop accepting the previous one now."""
        self.ensure_one()
        self._hub_check_secret_rights()
        self.with_context(hub_secret_rotation=True).write({"previous_secret": False, "previous_secret_expires": False})
        self.message_post(body=_("Previous secret retired by %s: only the current secret is accepted.", self.env.user.name))
        return True

    def _hub_check_secret_rights(self):
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may see or change connector secrets."))

    def _hub_show_secret(self, secret, title):
        # No row is written: the secret reaches the dialog only in this answer's context (hub.connector.secret).
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": "hub.connector.secret",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                SHOWN_SECRET_KEY: secret,
                "hub_shown_connector_id": self.id,
                "hub_shown_previous_until": fields.Datetime.to_string(self.previous_secret_expires),
            },
        }

    def action_test_connection(self):
        """Ask the sidecar to test this partner (POST /admin/connectors/<code>/test): one authenticated
        call that changes nothing there, so a wrong secret or API key fails the test like a wrong URL.

        Answered as a notification in words a person can act on: the sidecar's verdict with its
        latency, or what to fix so that the sidecar can be asked at all. Library and Python error texts
        go to the server log, never to the screen. Nothing is stored.
        """
        self.ensure_one()
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may test connectors."))
        params = self.env["ir.config_parameter"].sudo()
        base_url = (params.get_param("logistics_hub.sidecar_url") or DEFAULT_SIDECAR_URL).rstrip("/")
        token = params.get_param("logistics_hub.sidecar_token") or ""
        url = f"{base_url}/admin/connectors/{quote(self.code, safe='')}/test"
        try:
            response = requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=SIDECAR_TIMEOUT)
        except requests.RequestException as error:
            _logger.warning("hub: connection test of %s: the sidecar at %s could not be asked: %r", self.code, base_url, error)
            return self._hub_notification(False, self._hub_sidecar_unreachable(error, base_url))
        answer = self._hub_sidecar_answer(response)
        if answer is None:
            _logger.warning("hub: connection test of %s: %s answered HTTP %s without the admin API's JSON: %.200r",
                                self.code, url, response.status_code, response.text)
            return self._hub_notification(False, _(
                "%(url)s answered HTTP %(status)s, which is not the sidecar's admin API: check the Sidecar URL in Settings.",
                url=base_url, status=response.status_code,
            ))
        if response.status_code != 200:
            return self._hub_notification(False, self._hub_sidecar_refusal(response.status_code, answer))
        # The sidecar words its verdict for people (sidecar/src/adapters/probe.ts).
        message = str(answer.get("message") or _("no details given"))[:500]
        latency = answer.get("latency_ms")
        if isinstance(latency, (int, float)):
            message = _("%(message)s, %(latency)s ms", message=message, latency=latency)
        return self._hub_notification(bool(answer.get("ok")), message)

    @api.model
    def _hub_sidecar_answer(self, response):
        """The admin API's JSON object, or None when something else answered."""
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    @api.model
    def _hub_sidecar_unreachable(self, error, base_url):
        """Why Odoo could not ask the sidecar, as something to check rather than a library's message."""
        if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                              requests.exceptions.InvalidSchema)):
            return _("The Sidecar URL in Settings (%s) is not a valid URL.", base_url)
        if isinstance(error, requests.Timeout):
            return _("The sidecar at %(url)s did not answer within %(seconds)s seconds.", url=base_url, seconds=SIDECAR_TIMEOUT)
        if isinstance(error, requests.exceptions.SSLError):
            return _("The sidecar at %s presented a TLS certificate Odoo does not accept.", base_url)
        if isinstance(error, requests.ConnectionError):
            return _("The sidecar at %s could not be reached: is it running, and is the Sidecar URL in Settings right?", base_url)
        return _("The sidecar at %s could not be asked; the server log has the details.", base_url)

    def _hub_sidecar_refusal(self, status, answer):
        """The admin API said no: what to fix, by its error code (sidecar/src/admin/connector-test.ts)."""
        error = answer.get("error")
        if error == "unauthorized":
            return _("The sidecar refused Odoo's admin token: set the Sidecar Admin Token in Settings to the "
                     "sidecar's HUB_ADMIN_TOKEN.")
        if error == "admin_disabled":
            return _("The sidecar's admin API is off: set HUB_ADMIN_TOKEN on the sidecar and the same token in Settings.")
        if error == "unknown_connector":
            return _("The sidecar finds no active connector with code %s.", self.code)
        return _("The sidecar could not run the test (HTTP %s); its log has the details.", status)

    def _hub_notification(self, ok, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if ok else "danger",
                "title": _("%s is reachable", self.name) if ok else _("%s: connection test failed", self.name),
                "message": message,
                "sticky": not ok,
            },
        }

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_hub.hub_event_action")
        action["domain"] = [("connector_id", "=", self.id)]
        action["context"] = {}
        return action


class HubConnectorSecret(models.AbstractModel):
    """Shows a connector secret with a copy button. Abstract (no table), like hub.api.client.secret: the
    secret comes from the opening action's context, so it is never copied into another row."""

    _name = "hub.connector.secret"
    _description = "Logistics Hub Connector Secret"

    id = fields.Id()
    # every value comes from the opening action's context (hub.connector._hub_show_secret)
    connector_id = fields.Many2one("hub.connector", readonly=True,
                                   default=lambda self: self.env.context.get("hub_shown_connector_id"))
    secret = fields.Char(readonly=True, default=lambda self: self.env.context.get(SHOWN_SECRET_KEY))
    previous_secret_expires = fields.Datetime(string="Previous Secret Accepted Until", readonly=True,
                                              default=lambda self: self.env.context.get("hub_shown_previous_until"))
