import logging

import psycopg2
from psycopg2 import errors as pg_errors
from psycopg2.extras import Json as PsycopgJson

from odoo import Command, _, api, fields, models, tools
from odoo.sql_db import PoolError
from odoo.tools import SQL
from odoo.exceptions import AccessError, UserError, ValidationError

from ..hub.access import check_manager
from ..hub.envelope import build_envelope, new_message_id, parse_iso_utc
from ..hub.inbound import INBOUND_TYPE_LABELS, inbound_applier
from ..hub.incidents import inbound_park_key
from ..hub.messages import MessageError, check_batch, check_fulfilment_data, check_inbound, check_tracking_data
from ..hub.preview import masked_json
from ..hub.status import FULFILMENT_STAGES, fulfilment_stage, is_late_fulfilment

_logger = logging.getLogger(__name__)

# The database was busy or unavailable: no verdict on the message. Such a failure must abort the
# whole call, never become a message's ``error`` (which parks it for a person): Odoo's RPC layer
# retries concurrency failures (odoo/service/model.py retrying(): serialization, lock, deadlock) and
# the sidecar calls again later for the others. OperationalError covers those three and every
# "server busy or gone" SQLSTATE (query cancelled or timed out, shutdown, too many connections, disk
# full, connection lost); InterfaceError is a connection psycopg2 already closed; PoolError
# (odoo/sql_db.py) is Odoo's pool out of connections; a session killed while idle and a read-only
# transaction (which Odoo retries on a read/write cursor; a standby after failover) are the two
# InternalErrors. The apply is idempotent by message id, so a replay only redoes what was rolled back.
TRANSIENT_DB_ERRORS = (
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    PoolError,
    pg_errors.IdleInTransactionSessionTimeout,
    pg_errors.ReadOnlySqlTransaction,
)


class HubEvent(models.Model):
    _name = "hub.event"
    _inherit = ["hub.record.mixin"]
    _description = "Logistics Hub Event"
    _order = "id desc"

    uuid = fields.Char(
        string="Message ID", required=True, readonly=True, copy=False, default=lambda self: new_message_id()
    )
    direction = fields.Selection([("out", "Outbound"), ("in", "Inbound")], required=True, default="out", readonly=True)
    # Inbound types depend on the partner, hence no selection.
    event_type = fields.Char(required=True, readonly=True)
    event_type_label = fields.Char(string="Event", compute="_compute_event_type_label")
    connector_id = fields.Many2one("hub.connector", readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    correlation_id = fields.Char(readonly=True, index=True)
    payload = fields.Json(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            # kept back by a business process that undid its work (hub_process_hold.py)
            ("held", "Held"),
            ("queued", "Queued"),
            ("delivered", "Delivered"),
            ("dead", "Dead"),
            ("applied", "Applied"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    # What the partner dedupes on (webhook-id, Idempotency-Key, WMS request id): empty means the
    # message id. A re-send carries the key of the business request it repeats, so a partner that
    # already acted on that request answers with the first result instead of acting twice.
    idempotency_key = fields.Char(
        string="Partner Request Key", readonly=True, copy=False,
        help="The id the partner deduplicates on. Empty: the message id. A re-send reuses the key of "
        "the request it repeats, unless a person asked for a new request.",
    )
    relayed_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    attempt_ids = fields.One2many("hub.event.attempt", "event_id", string="Delivery Attempts", readonly=True)
    envelope_preview = fields.Text(string="Message", compute="_compute_envelope_preview")

    # Message ids are unique per direction and sender: ours (outbound) across the hub, a partner's
    # (inbound) per connector only. A partner picks its own ids, so a global key would let one partner
    # that learns another's ids turn that partner's callbacks into "duplicates" (docs/threat-model.md). Both are
    # partial unique indexes made in init(); an empty definition tells Odoo so (virtual constraint).
    _sql_constraints = [
        ("outbound_uuid_unique", "", "The message id of an outbound event must be unique."),
        ("inbound_uuid_unique", "", "A partner message id must be unique per connector."),
    ]

    @api.depends("event_type", "uuid")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"{event.event_type_label} {(event.uuid or '')[:8]}"

    @api.depends("event_type")
    def _compute_event_type_label(self):
        labels = dict(self.env["hub.route"]._fields["event_type"]._description_selection(self.env))
        for event in self:
            event.event_type_label = (
                labels.get(event.event_type) or INBOUND_TYPE_LABELS.get(event.event_type) or event.event_type
            )

    @api.depends("uuid", "event_type", "create_date", "correlation_id", "res_model", "res_id", "payload")
    def _compute_envelope_preview(self):
        for event in self:
            envelope = build_envelope(
                event._hub_partner_key(), event.event_type, event.create_date, event.correlation_id,
                event.res_model, event.res_id, event.payload,
            )
            event.envelope_preview = masked_json(envelope)

    def init(self):
        cr = self.env.cr
        # Before 18.0.1.0.1 one UNIQUE(uuid) constraint covered both directions: an upgrade drops it (no
        # rows can clash with the narrower keys that replace it, they were unique across the table).
        cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT IF EXISTS hub_event_uuid_unique", SQL.identifier(self._table)))
        cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS hub_event_outbound_uuid_unique ON %s (uuid) WHERE direction = 'out'",
            SQL.identifier(self._table),
        ))
        cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS hub_event_inbound_uuid_unique ON %s (connector_id, uuid) "
            "WHERE direction = 'in'",
            SQL.identifier(self._table),
        ))
        # The sidecar claims pending rows in id order, and delivers each (connector, record) lane in order.
        tools.create_index(self.env.cr, "hub_event_state_id_index", self._table, ["state", "id"])
        tools.create_index(
            self.env.cr, "hub_event_lane_index", self._table, ["connector_id", "res_model", "res_id", "id"]
        )
        # Capture asks "was this record already announced?" on every reservation: keep it an index probe.
        tools.create_index(self.env.cr, "hub_event_record_index", self._table, ["res_model", "res_id"])
        # The sidecar's claim (sidecar/src/db/outbox-plans.ts claimLaneHeads) walks the pending rows in
        # id order and probes each one's lane for an older unfinished event. These two partial indexes
        # hold only unfinished rows, so a claim costs the same with a backlog of 200,000 events as with
        # 10, whatever the history and whatever the planner's statistics say.
        tools.create_index(self.env.cr, "hub_event_pending_index", self._table, ["id"], where="state = 'pending'")
        tools.create_index(
            self.env.cr, "hub_event_open_lane_index", self._table, ["connector_id", "res_model", "res_id", "id"],
            where="state IN ('pending', 'queued')",
        )

    # ------------------------------------------------------------------
    # Timeline and replay (owl_ui: sync badges' timeline, exception workbench)
    # ------------------------------------------------------------------

    @api.model
    def hub_event_preview(self, event_ids):
        """``[{"id", "preview"}]``: each event's envelope as indented JSON, secrets masked.

        Masked for managers too: a timeline is something people share on screen.
        """
        events = self.browse(event_ids).exists()
        events.check_access("read")
        return [{"id": event.id, "preview": event.envelope_preview} for event in events]

    def _hub_partner_key(self):
        """The id the partner sees and deduplicates on."""
        self.ensure_one()
        return self.idempotency_key or self.uuid

    def action_hub_replay(self):
        """Open the re-send dialog: it says what will be sent where, and asks before anything is."""
        self._hub_check_resend_rights()
        return self.env["hub.resend.wizard"]._hub_open(self)

    def _hub_check_resend_rights(self):
        self._hub_check_manager(_("Only Logistics Hub managers may send events again."))

    def _hub_partner_confirmation(self):
        """Why the partner already has this event's business request, or False.

        The partner accepted this very event (delivered), or confirmed the record through a callback
        or a booking (its sync state on the connector is acknowledged).
        """
        self.ensure_one()
        state = self.env["hub.sync.state"].sudo().search([
            ("res_model", "=", self.res_model), ("res_id", "=", self.res_id), ("connector_id", "=", self.connector_id.id),
        ], limit=1)
        if state.status == "acknowledged":
            return _("%(partner)s confirmed it (reference %(ref)s)", partner=self.connector_id.name, ref=state.external_ref or "-")
        if self.state == "delivered":
            return _("%s accepted this event", self.connector_id.name)
        return False

    def _hub_resend(self, new_request=False):
        """Write the outbound event that sends this event's record again: a fresh snapshot under the
        same correlation id, to the same connector, after everything already in its lane.

        The partner request key is the original's unless ``new_request``: a partner that deduplicates
        on it answers with its first result instead of acting twice. The rows the sidecar handled keep
        their state (it owns them). Open exceptions about this event follow the re-send.
        """
        self.ensure_one()
        record = self._hub_replay_record()
        key = False if new_request else self._hub_partner_key()
        replay = self.with_context(hub_correlation_id=self.correlation_id, hub_idempotency_key=key)._hub_emit_to(
            self.connector_id, self.event_type, record
        )
        self._hub_follow_replay(replay)
        how = _("as a new request") if new_request else _("with the original request key %s", key)
        if hasattr(record, "message_post"):
            record.sudo().message_post(body=_(
                "%(type)s sent again to %(connector)s by %(user)s %(how)s (event %(replay)s repeats %(event)s).",
                type=self._hub_event_type_label(), connector=self.connector_id.name, user=self.env.user.name,
                how=how, replay=replay.uuid, event=self.uuid,
            ))
        _logger.info(
            "hub: %s sent again as %s to %s by uid %s key=%s correlation_id=%s",
            self.uuid, replay.uuid, self.connector_id.code, self.env.uid, key or replay.uuid, self.correlation_id,
        )
        return replay

    def _hub_event_type_label(self):
        self.ensure_one()
        return self.event_type_label

    def _hub_replay_record(self):
        """The record a replay of this event snapshots; raises when it cannot be replayed."""
        self.ensure_one()
        if self.direction != "out" or not self.connector_id:
            raise UserError(_("Event %s came from a partner: only outbound events can be sent again.", self.display_name))
        record = self.env[self.res_model].browse(self.res_id).exists() if self.res_model in self.env else None
        if not record:
            raise UserError(_("The record of event %s no longer exists.", self.display_name))
        if not self.connector_id.active:
            raise UserError(_("Connector %s is archived: it gets no new events.", self.connector_id.name))
        return record

    def _hub_replay_preview(self):
        """The envelope a re-send of this event would send now (fresh snapshot), secrets masked."""
        self.ensure_one()
        try:
            record = self._hub_replay_record()
        except UserError as error:
            return str(error)
        envelope = build_envelope(
            self._hub_partner_key(), self.event_type, fields.Datetime.now(), self.correlation_id,
            record._name, record.id, record.sudo()._hub_event_payload(self.event_type),
        )
        return masked_json(envelope)

    def _hub_follow_replay(self, replay):
        """Open exceptions about this event now wait for its replay (resolved when it is delivered), and
        so does a process step this event was the compensation of."""
        self.ensure_one()
        self.env["hub.process.step"].sudo().search([("compensation_event_ids", "in", self.ids)]).compensation_event_ids = [
            Command.unlink(self.id), Command.link(replay.id)]
        if "hub.exception" not in self.env:
            return
        exceptions = self.env["hub.exception"].sudo().search([
            ("event_id", "=", self.id), ("state", "in", ("open", "in_progress")),
        ])
        if exceptions:
            exceptions.write({"state": "in_progress", "event_id": replay.id})
            for exception in exceptions:
                exception.message_post(body=_(
                    "Sent again by %(user)s as event %(event)s.",
                    user=self.env.user.name, event=replay.uuid,
                ))

    # ------------------------------------------------------------------
    # Outbox
    # ------------------------------------------------------------------

    @api.model
    def _hub_correlation_id(self):
        """One correlation id per transaction, unless the caller forces one.

        Kept in postcommit.data, which lives exactly as long as the transaction: Odoo empties it at
        commit and rollback, but not at flushes and savepoints as it does precommit.data.
        """
        forced = self.env.context.get("hub_correlation_id")
        if forced:
            return forced
        return self.env.cr.postcommit.data.setdefault("logistics_hub.correlation_id", new_message_id())

    @api.model
    def _hub_emit(self, event_type, records):
        """Write the outbox rows of ``event_type`` for ``records`` in the caller's transaction.

        One row per record and routed connector whose route's filter the record matches. The rows
        commit or roll back with the business change that caused them; the NOTIFY is only delivered
        on commit, and the sidecar also polls, so a lost notification only delays.
        """
        if not records:
            return self.browse()
        Route = self.env["hub.route"].sudo()
        targets = [
            (connector_id, code, Route.browse(route_id)._hub_matching(records) if has_filter else records)
            for route_id, connector_id, code, has_filter in Route._hub_route_table(event_type)
        ]
        # A process undoing its work keeps back what would tell partners the flow went on: written as
        # held rows for a person to release or discard (hub.process._hub_hold), never dropped.
        targets, held = self.env["hub.process"]._hub_hold(event_type, records, targets)
        return held | self._hub_write_outbox(event_type, targets)

    @api.model
    def _hub_emit_to(self, connector, event_type, records):
        """Like ``_hub_emit``, to one connector chosen by a person (retry, another carrier): no route needed."""
        connector.ensure_one()
        if not connector.active:
            raise UserError(_("Connector %s is archived: it gets no new events.", connector.name))
        return self._hub_write_outbox(event_type, [(connector.id, connector.code, records)])

    @api.model
    def _hub_write_outbox(self, event_type, targets):
        """Outbox rows for ``[(connector_id, connector_code, records)]``; each record's payload is snapshot once."""
        targets = [(connector_id, code, records) for connector_id, code, records in targets if records]
        if not targets:
            return self.browse()
        correlation_id = self._hub_correlation_id()
        payloads = {}
        rows = []
        for connector_id, _code, records in targets:
            # Snapshots must not depend on what the user who triggered the change may read.
            for record in records.sudo():
                key = (record._name, record.id)
                if key not in payloads:
                    payloads[key] = record._hub_event_payload(event_type)
                rows.append((connector_id, record._name, record.id, payloads[key]))
        events = self.sudo()._hub_insert_outbox(event_type, correlation_id, rows)
        _logger.info(
            "hub: %s for %s %s routed to %s correlation_id=%s",
            event_type, targets[0][2]._name, sorted({k[1] for k in payloads}),
            [code for _id, code, _records in targets], correlation_id,
        )
        return events

    @api.model
    def _hub_insert_outbox(self, event_type, correlation_id, rows):
        """Insert ``[(connector_id, res_model, res_id, payload)]`` as pending outbound events, and
        make their records pending again on those connectors (hub.sync.state).

        One statement past the ORM for both, which also NOTIFYs the sidecar: this runs inside
        every order confirmation and reservation, and the ORM's generic create (defaults, access
        checks, per-field conversion, one query per model) was most of what capture cost the
        user's transaction. The columns
        written are all the two models store. No bus push for the new badges: the person whose
        change emitted the events sees them when the form reloads, everyone else when the first
        delivery result arrives a moment later (hub.sync.state._hub_write_by_key).
        """
        uid = self.env.uid
        # Set only by a re-send (_hub_resend): the partner request key of the request it repeats.
        key = self.env.context.get("hub_idempotency_key") or None
        values = SQL(", ").join(
            SQL(
                "(%s, 'out', %s, %s, %s, %s, %s, %s, %s, 'pending', %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')",
                new_message_id(), event_type, connector_id, res_model, res_id, correlation_id, key,
                PsycopgJson(payload), uid, uid,
            )
            for connector_id, res_model, res_id, payload in rows
        )
        return self._hub_make_pending(SQL(
            """INSERT INTO hub_event (uuid, direction, event_type, connector_id, res_model, res_id, correlation_id,
                                      idempotency_key, payload, state, create_uid, create_date, write_uid, write_date)
               VALUES %s
               RETURNING id, connector_id, res_model, res_id, correlation_id, create_uid, create_date""",
            values,
        ))

    @api.model
    def _hub_make_pending(self, source):
        """Run ``source``, an INSERT or UPDATE of outbound events to ``pending`` that returns ``id,
        connector_id, res_model, res_id, correlation_id, create_uid, create_date``; make their records
        pending on those connectors (hub.sync.state) and wake the relay, in the same statement."""
        SyncState = self.env["hub.sync.state"].sudo()
        self.flush_model()
        SyncState.flush_model()
        self.env.cr.execute(SQL(
            """WITH event AS (%s), sync_state AS (
                   INSERT INTO hub_sync_state (res_model, res_id, connector_id, status, correlation_id, last_event_id,
                                               last_attempt, attempts, create_uid, create_date, write_uid, write_date)
                   SELECT DISTINCT ON (res_model, res_id, connector_id)
                          res_model, res_id, connector_id, 'pending', correlation_id, id, 0, 0,
                          create_uid, create_date, create_uid, create_date
                     FROM event
                    ORDER BY res_model, res_id, connector_id, id DESC
                   ON CONFLICT (res_model, res_id, connector_id) DO UPDATE SET
                       status = 'pending', correlation_id = EXCLUDED.correlation_id, last_event_id = EXCLUDED.last_event_id,
                       last_attempt = 0, attempts = 0, last_error = NULL,
                       write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
               )
               -- wakes the sidecar's relay; delivered only if the transaction commits (it also polls)
               SELECT id, res_model FROM event, pg_notify('hub_event', '') ORDER BY id""",
            source,
        ))
        rows = self.env.cr.fetchall()
        events = self.browse([event_id for event_id, _model in rows])
        SyncState.invalidate_model()
        SyncState._hub_invalidate_record_badges({res_model for _id, res_model in rows})
        return events

    # ------------------------------------------------------------------
    # Inbound (RPC)
    # ------------------------------------------------------------------

    @api.model
    def _hub_check_manager(self, message=None):
        """The one check behind every manager-only hub action (hub/access.py); ``message`` says which
        action was refused."""
        check_manager(self.env, message or _("Only Logistics Hub managers may apply partner messages."))

    @api.model
    def hub_apply_inbound(self, connector_code, messages):
        """Apply partner callbacks (docs/contract.md); idempotent by (connector, message id).

        Each message is applied in its own savepoint, so one that fails reports ``error`` and leaves
        no half-applied picking, while the others still apply. A refused message is parked in the
        same transaction as a hub.exception holding it as sent, so it cannot vanish whatever the
        sidecar does with the answer. A busy or unavailable database fails the whole call instead.
        """
        self._hub_check_manager()
        try:
            checked = [check_inbound(m, i) for i, m in enumerate(check_batch(messages, "messages"))]
        except MessageError as error:
            raise ValidationError(str(error)) from None
        if not isinstance(connector_code, str) or not connector_code:
            raise ValidationError(_("A connector code is required."))
        connector = self.env["hub.connector"].search([("code", "=", connector_code)], limit=1)
        if not connector:
            raise UserError(_("Unknown or inactive connector: %s", connector_code))

        # Per connector: another partner's message with the same id is not this one (docs/threat-model.md).
        seen = set(self.search([
            ("direction", "=", "in"), ("connector_id", "=", connector.id), ("uuid", "in", [m["id"] for m in checked]),
        ]).mapped("uuid"))
        context = self._hub_inbound_context(connector, checked)
        outcomes = []
        for message, sent in zip(checked, messages):
            if message["id"] in seen:
                outcomes.append({"id": message["id"], "outcome": "duplicate"})
                continue
            seen.add(message["id"])
            outcomes.append(self._hub_apply_message(connector, message, context, sent))
        return outcomes

    @api.model
    def _hub_inbound_context(self, connector, messages):
        """Batch lookups shared by all messages of a call: stage reached and sync state per picking."""
        picking_ids = [
            m["data"]["picking_id"] for m in messages
            if isinstance(m["data"], dict) and isinstance(m["data"].get("picking_id"), int)
        ]
        applied = self.search_read(
            [
                ("direction", "=", "in"),
                ("state", "=", "applied"),
                ("res_model", "=", "stock.picking"),
                ("res_id", "in", picking_ids),
            ],
            ["res_id", "event_type"],
        )
        applied_types = {}
        for row in applied:
            applied_types.setdefault(row["res_id"], []).append(row["event_type"])
        states = self.env["hub.sync.state"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "in", picking_ids), ("connector_id", "=", connector.id)]
        )
        return {
            "applied_types": applied_types,
            "sync_states": {state.res_id: state for state in states},
        }

    @api.model
    def _hub_apply_message(self, connector, message, context, sent):
        """Apply one checked message; ``sent`` is the message as the sidecar sent it, parked if refused."""
        result = {"id": message["id"]}
        correlation_id = message["correlation_id"]
        try:
            with self.env.cr.savepoint():
                self_ctx = self.with_context(hub_correlation_id=correlation_id) if correlation_id else self
                apply = getattr(self_ctx, inbound_applier(message["type"]))
                result["outcome"] = apply(connector, message, context)
            if result["outcome"] == "applied" and message["type"] in FULFILMENT_STAGES:
                # Only once the savepoint is released: a rolled back message reached no stage.
                context["applied_types"].setdefault(message["data"]["picking_id"], []).append(message["type"])
        except TRANSIENT_DB_ERRORS:
            raise
        except pg_errors.UniqueViolation:
            # Another transaction recorded the same message id while we were applying it.
            result["outcome"] = "duplicate"
        except (MessageError, UserError, ValidationError, AccessError) as error:
            result.update(outcome="error", error=str(error))
        except Exception:
            _logger.exception(
                "hub: inbound %s from %s failed correlation_id=%s", message["id"], connector.code, correlation_id
            )
            result.update(outcome="error", error=_("Unexpected error, see the Odoo log (message %s).", message["id"]))
        if result["outcome"] == "error":
            _logger.warning(
                "hub: inbound %s %s from %s rejected: %s correlation_id=%s",
                message["id"], message["type"], connector.code, result["error"], correlation_id,
            )
            # After the savepoint: the refusal is kept even though the message changed nothing.
            exception = self.env["hub.exception"]._hub_park(
                "inbound", inbound_park_key(connector.code, message["id"]), sent, result["error"],
                connector=connector, record=self._hub_message_picking(connector, sent),
                correlation_id=correlation_id,
            )
            result["exception"] = exception.name
        return result

    @api.model
    def _hub_message_picking(self, connector, message):
        """The delivery a partner message names, as far as it can be found: its ``data.picking_id``
        when that picking exists, else for tracking the shipment of its tracking number (on this
        connector first, then on any). Empty when it names none: the message is filed without one."""
        Picking = self.env["stock.picking"].sudo()
        data = message.get("data") if isinstance(message, dict) else None
        if not isinstance(data, dict):
            return Picking
        picking_id = data.get("picking_id")
        if isinstance(picking_id, int) and not isinstance(picking_id, bool) and 0 < picking_id < 2**31:
            picking = Picking.browse(picking_id).exists()
            if picking:
                return picking
        if message.get("type") != "shipment.tracking":
            return Picking
        events = data.get("events") if isinstance(data.get("events"), list) else []
        numbers = [data.get("tracking_number")] + [e.get("tracking_number") for e in events if isinstance(e, dict)]
        for number in dict.fromkeys(n for n in numbers if isinstance(n, str) and n):
            picking = (connector and Picking._hub_find_shipment(connector, number)) or Picking.search(
                [("hub_tracking_number", "=", number)], order="id desc", limit=1)
            if picking:
                return picking
        return Picking

    @api.model
    def _hub_apply_fulfilment(self, connector, message, context):
        data = check_fulfilment_data(message["data"])
        picking = self.env["stock.picking"].browse(data["picking_id"]).exists()
        if not picking:
            raise UserError(_("Picking %s does not exist.", data["picking_id"]))
        sync_state = context["sync_states"].get(picking.id)
        if not sync_state:
            # A partner may only act on deliveries that were sent to it.
            raise UserError(_("Picking %(picking)s was never sent to connector %(connector)s.",
                              picking=picking.name, connector=connector.code))
        event = self._hub_record_inbound(connector, message, picking)
        reached = fulfilment_stage(context["applied_types"].get(picking.id, ()), picking.state == "done")
        if picking.state == "cancel" or is_late_fulfilment(message["type"], reached):
            event.state = "ignored"
            outcome = "ignored"
        else:
            # The stage is a process milestone, once per message (the key is this connector's message id,
            # as the inbound log's), taken before the picking it validates signals picking.done: the
            # warehouse's step is done by the warehouse, at its time.
            self.env["hub.process"]._hub_signal(
                message["type"], picking, inbound_park_key(connector.code, message["id"]),
                occurred_at=self._hub_message_time(message), connector=connector,
                data={"external_ref": data["external_ref"]},
            )
            if message["type"] == "fulfilment.picked":
                picking._hub_apply_picked(data["lines"])
            else:
                picking._hub_apply_shipped(data["lines"])
                sync_state._hub_acknowledge(data["external_ref"])
            outcome = "applied"
        picking.message_post(body=_(
            "%(type)s from %(connector)s (reference %(ref)s): %(outcome)s",
            type=message["type"], connector=connector.name, ref=data["external_ref"] or "-", outcome=outcome,
        ))
        _logger.info(
            "hub: inbound %s %s on %s from %s %s correlation_id=%s",
            message["id"], message["type"], picking.name, connector.code, outcome, message["correlation_id"],
        )
        return outcome

    @api.model
    def _hub_message_time(self, message):
        """When the partner says the message's milestone happened (``occurred_at`` of the envelope or of
        its data), or None (now) when it says nothing readable."""
        data = message.get("data") if isinstance(message.get("data"), dict) else {}
        value = message.get("occurred_at") or data.get("occurred_at")
        try:
            return parse_iso_utc(value) if isinstance(value, str) else None
        except ValueError:
            return None

    @api.model
    def _hub_record_inbound(self, connector, message, record):
        """The inbound log row of a partner message about ``record`` (a picking, a freight bill), written
        before it is applied: its (connector, uuid) key is unique, so a concurrent apply of the same message
        waits here and then fails as a duplicate."""
        return self.create({
            "uuid": message["id"],
            "direction": "in",
            "event_type": message["type"],
            "connector_id": connector.id,
            "res_model": record._name,
            "res_id": record.id,
            "correlation_id": message["correlation_id"],
            "payload": message["data"],
            "state": "applied",
            "done_at": fields.Datetime.now(),
        })

    @api.model
    def _hub_apply_tracking(self, connector, message, context=None):
        """Store the new tracking events of a carrier's (or TMS's) shipments and advance their status.

        Every tracking number must belong to a shipment of this connector, or the whole message is
        an error and nothing is stored. ``duplicate`` when every event was known already. ``context``
        (the batch's picking lookups) is taken for the dispatch table's one signature and not needed here.
        """
        data = check_tracking_data(message["data"])
        events_by_number = {}
        for tracking_event in data["events"]:
            events_by_number.setdefault(tracking_event["tracking_number"], []).append(tracking_event)
        Picking = self.env["stock.picking"]
        pickings = {}
        for number in events_by_number:
            pickings[number] = Picking._hub_find_shipment(connector, number)
            if not pickings[number]:
                raise UserError(_("unknown tracking number %s", number))
        first = pickings.get(data["tracking_number"]) or next(iter(pickings.values()))
        event = self._hub_record_inbound(connector, message, first)
        stored = sum(
            pickings[number]._hub_apply_tracking_events(connector, tracking_events, message["correlation_id"])
            for number, tracking_events in events_by_number.items()
        )
        if not stored:
            event.state = "ignored"
        _logger.info(
            "hub: inbound %s shipment.tracking %s from %s: %s new event(s) correlation_id=%s",
            message["id"], list(events_by_number), connector.code, stored, message["correlation_id"],
        )
        return "applied" if stored else "duplicate"
