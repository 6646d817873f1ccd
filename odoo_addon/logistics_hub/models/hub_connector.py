import re
from urllib.parse import quote

import requests

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..hub.envelope import new_secret

CODE_PATTERN = re.compile(r"[a-z0-9_-]+")
DEFAULT_SIDECAR_URL = "http://127.0.0.1:4000"
SIDECAR_TIMEOUT = 10


class HubConnector(models.Model):
    _name = "hub.connector"
    _description = "Logistics Hub Connector"
    _order = "name, id"

    code = fields.Char(
        required=True,
        help="URL-safe identifier (lowercase letters, digits, '-' and '_'); "
        "partners call back on /hooks/<code>.",
    )
    name = fields.Char(required=True)
    kind = fields.Selection(
        [
            ("carrier", "Carrier"),
            ("wms", "Warehouse / 3PL"),
            ("tms", "Transport / Fleet"),
            ("billing", "Billing"),
            ("portal", "Customer Portal"),
            ("webhook", "Generic Webhook"),
        ],
        required=True,
        default="webhook",
    )
    adapter = fields.Selection(
        [
            ("webhook", "Standard Webhooks"),
            ("wms", "WMS"),
            ("parcelfast", "ParcelFast"),
            ("swiftpost", "SwiftPost"),
            ("rate_shop", "Best carrier (rate shopping)"),
            ("tms", "TMS"),
        ],
        required=True,
        default="webhook",
        help="How the sidecar talks to this partner.",
    )
    base_url = fields.Char(string="Base URL")
    secret = fields.Char(
        groups="logistics_hub.group_hub_manager",
        copy=False,
        default=lambda self: new_secret(),
        help="Standard Webhooks secret: signs outbound messages and verifies inbound ones.",
    )
    active = fields.Boolean(default=True)
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
    ]

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

    def write(self, vals):
        if {"active", "code"} & vals.keys():
            self.env.registry.clear_cache()  # hub.route._hub_route_table: archived connectors, codes
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if "code" not in (default or {}):
            for connector, vals in zip(self, vals_list):
                vals["code"] = f"{connector.code}-copy"
        return vals_list

    def action_regenerate_secret(self):
        self.ensure_one()
        # The field's groups make this fail for anyone but a Hub Manager.
        self.secret = new_secret()
        return True

    def action_test_connection(self):
        """Ask the sidecar whether it reaches this partner (POST /admin/connectors/<code>/test).

        Answered as a notification: the sidecar's verdict with the HTTP status and latency, or why
        the sidecar itself could not be asked. Nothing is stored.
        """
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group("logistics_hub.group_hub_manager"):
            raise AccessError(_("Only Logistics Hub managers may test connectors."))
        params = self.env["ir.config_parameter"].sudo()
        base_url = (params.get_param("logistics_hub.sidecar_url") or DEFAULT_SIDECAR_URL).rstrip("/")
        token = params.get_param("logistics_hub.sidecar_token") or ""
        url = f"{base_url}/admin/connectors/{quote(self.code, safe='')}/test"
        try:
            response = requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=SIDECAR_TIMEOUT)
            answer = response.json() if response.content else {}
        except requests.RequestException as error:
            return self._hub_notification(False, _("The sidecar at %(url)s could not be reached: %(error)s",
                                                   url=base_url, error=error))
        except ValueError:
            return self._hub_notification(False, _("The sidecar answered HTTP %s without JSON.", response.status_code))
        if response.status_code != 200 or not isinstance(answer, dict):
            message = answer.get("message") if isinstance(answer, dict) else None
            return self._hub_notification(False, _("The sidecar refused the test (HTTP %(status)s): %(message)s",
                                                   status=response.status_code, message=message or "-"))
        details = _("%(message)s, %(latency)s ms", latency=answer.get("latency_ms", "-"),
                    message=answer.get("message") or _("HTTP %s", answer.get("status") or "-"))
        return self._hub_notification(bool(answer.get("ok")), details)

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
