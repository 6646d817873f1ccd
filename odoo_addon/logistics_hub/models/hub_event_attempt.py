import json

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..hub.status import RESULT_STATUSES

ATTEMPT_STATUS_SELECTION = [
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("dead", "Dead"),
    ("acknowledged", "Acknowledged"),
]
assert {key for key, _label in ATTEMPT_STATUS_SELECTION} == set(RESULT_STATUSES)


class HubEventAttempt(models.Model):
    """One delivery attempt of an outbound event, as the sidecar reported it (docs/contract.md,
    ``delivery`` of ``hub_apply_results``): the partner's status code, an excerpt of its answer
    (masked by the sidecar), the duration, and when the next attempt is due.

    Written only by ``hub.sync.state.hub_apply_results``, at most once per (event, attempt): a
    replayed or reordered write-back adds nothing, and a stale result (older than the sync state)
    still leaves its attempt in the history.
    """

    _name = "hub.event.attempt"
    _description = "Logistics Hub Delivery Attempt"
    _order = "event_id desc, attempt desc, id desc"
    _rec_name = "attempt"

    event_id = fields.Many2one("hub.event", required=True, ondelete="cascade", readonly=True, index=True)
    connector_id = fields.Many2one(related="event_id.connector_id")
    correlation_id = fields.Char(related="event_id.correlation_id")
    attempt = fields.Integer(required=True, readonly=True)
    max_attempts = fields.Integer(readonly=True, help="Attempts the connector allows before the event is dead-lettered.")
    status = fields.Selection(ATTEMPT_STATUS_SELECTION, string="Outcome", required=True, readonly=True)
    http_status = fields.Integer(
        string="HTTP Status", readonly=True,
        help="The partner's answer to the last call of this attempt; empty when none came (timeout, network error).",
    )
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    response_excerpt = fields.Text(
        string="Partner Answer", readonly=True,
        help="The start of the partner's answer, with credentials masked.",
    )
    error = fields.Text(readonly=True)
    attempted_at = fields.Datetime(readonly=True)
    next_retry_at = fields.Datetime(string="Next Retry", readonly=True)

    _sql_constraints = [
        ("event_attempt_unique", "UNIQUE(event_id, attempt)", "An event has one row per delivery attempt."),
    ]

    @api.depends("attempt", "max_attempts")
    def _compute_display_name(self):
        for row in self:
            row.display_name = (
                _("Attempt %(attempt)s of %(max)s", attempt=row.attempt, max=row.max_attempts)
                if row.max_attempts else _("Attempt %s", row.attempt)
            )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _hub_record(self, applied):
        """Store the attempts reported by ``applied``, a list of (event, checked result) whose result
        carries ``delivery``; returns how many rows were new.

        One INSERT ... ON CONFLICT DO NOTHING: two write-back calls carrying the same result (a retried
        RPC, two sidecar replicas) may run at once, and the unique index, not a prior search, is what
        makes the second one add nothing instead of failing.
        """
        rows = [{
            "event_id": event.id,
            "attempt": result["attempt"],
            "status": result["status"],
            "max_attempts": result["delivery"]["max_attempts"],
            "http_status": result["delivery"]["http_status"],
            "duration_ms": result["delivery"]["duration_ms"],
            "response_excerpt": result["delivery"]["response_excerpt"],
            "error": result["error"],
            "attempted_at": _iso(result["delivery"]["attempted_at"] or result["at"]),
            "next_retry_at": _iso(result["delivery"]["next_retry_at"]),
        } for event, result in applied]
        if not rows:
            return 0
        self.env.cr.execute(SQL(
            """INSERT INTO hub_event_attempt (event_id, attempt, status, max_attempts, http_status, duration_ms,
                   response_excerpt, error, attempted_at, next_retry_at, create_uid, create_date, write_uid, write_date)
               SELECT r.event_id, r.attempt, r.status, r.max_attempts, r.http_status, r.duration_ms,
                   r.response_excerpt, r.error, r.attempted_at, r.next_retry_at,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
               FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (event_id int, attempt int, status varchar,
                   max_attempts int, http_status int, duration_ms int, response_excerpt text, error text,
                   attempted_at timestamp, next_retry_at timestamp)
               ON CONFLICT (event_id, attempt) DO NOTHING
               RETURNING id""",
            uid=self.env.uid, rows=json.dumps(rows),
        ))
        added = len(self.env.cr.fetchall())
        if added:
            self.env["hub.event"].browse({row["event_id"] for row in rows}).invalidate_recordset(["attempt_ids"])
        return added


def _iso(value):
    return value.isoformat() if value else None
