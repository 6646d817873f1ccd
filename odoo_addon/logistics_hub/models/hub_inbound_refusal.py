from odoo import fields, models
from odoo.tools import SQL

REFUSAL_REASON_SELECTION = [
    ("bad_signature", "Bad signature"),
    ("missing_signature", "Missing signature"),
    ("bad_timestamp", "Timestamp too old or too new"),
    ("no_secret", "Connector has no secret"),
    ("unknown_connector", "Unknown or archived connector"),
    ("malformed_json", "Body is not JSON"),
    ("malformed_message", "Not the partner's message format"),
    ("oversized", "Body too large"),
    ("bad_request", "Bad request"),
]

# The sidecar owns this table (created at its start; docs/contract.md "Rejected callbacks"): Odoo only
# reads it, never creates or writes it, so a database without a sidecar yet simply lists nothing.
REFUSAL_TABLE = "hub_sidecar.inbound_refusal"


class HubInboundRefusal(models.Model):
    """Partner callbacks the sidecar refused before storing anything: a bad or missing signature, an
    unknown connector, a body that is not the partner's format or is too large. Read-only, for Hub
    Managers (Logistics Hub > Monitoring > Rejected Callbacks). Callbacks the sidecar accepted but Odoo
    could not apply (unknown picking, no matching move) are parked as hub.exception instead.

    The sidecar keeps a bounded number of rows and rate-limits recording (a flood of forged callbacks
    is counted in ``suppressed_before`` of the next row, not stored one by one).
    """

    _name = "hub.inbound.refusal"
    _description = "Logistics Hub Rejected Callback"
    _auto = False
    _order = "received_at desc, id desc"
    _rec_name = "reason"

    received_at = fields.Datetime(readonly=True)
    connector_code = fields.Char(readonly=True, help="The code in the URL the callback was posted to.")
    connector_id = fields.Many2one("hub.connector", readonly=True, help="The connector with that code, if any.")
    reason = fields.Selection(REFUSAL_REASON_SELECTION, readonly=True)
    http_status = fields.Integer(string="Answered HTTP", readonly=True)
    detail = fields.Text(readonly=True)
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    webhook_id = fields.Char(string="Message Id", readonly=True)
    body_excerpt = fields.Text(string="Body", readonly=True, help="The start of the body, with credentials masked.")
    suppressed_before = fields.Integer(
        string="Not Recorded Before", readonly=True,
        help="Refusals just before this one that were answered but not recorded (rate limit).",
    )

    @property
    def _table_query(self):
        self.env.cr.execute(SQL("SELECT to_regclass(%s) IS NOT NULL", REFUSAL_TABLE))
        if not self.env.cr.fetchone()[0]:
            return SQL(
                """SELECT NULL::bigint AS id, NULL::timestamp AS received_at, NULL::varchar AS connector_code,
                          NULL::int AS connector_id, NULL::varchar AS reason, NULL::int AS http_status,
                          NULL::text AS detail, NULL::varchar AS remote_addr, NULL::varchar AS webhook_id,
                          NULL::text AS body_excerpt, NULL::int AS suppressed_before
                   WHERE false"""
            )
        # An archived connector still names the refusal (inactive connectors refuse every callback).
        return SQL(
            """SELECT r.id, r.received_at AT TIME ZONE 'UTC' AS received_at, r.connector_code,
                      c.id AS connector_id, r.reason, r.http_status, r.detail, r.remote_addr, r.webhook_id,
                      r.body_excerpt, r.suppressed_before
               FROM %s r
               LEFT JOIN hub_connector c ON c.code = r.connector_code""",
            SQL.identifier("hub_sidecar", "inbound_refusal"),
        )
