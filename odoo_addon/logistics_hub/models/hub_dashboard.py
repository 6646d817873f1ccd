import logging
from datetime import datetime, timedelta, timezone

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..hub.liveness import duration_words, liveness

_logger = logging.getLogger(__name__)

DEFAULT_SLA_SECONDS = 300
MAX_WINDOW_MINUTES = 7 * 24 * 60
# A chart shows at most this many buckets; longer windows get wider buckets.
MAX_BUCKETS = 60


def _bucket_start(epoch_seconds, size_seconds):
    return int(epoch_seconds // size_seconds) * size_seconds


def _server_time(epoch_seconds):
    """Epoch seconds -> Odoo's naive UTC string, the format the web client deserialises."""
    naive = datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).replace(tzinfo=None)
    return fields.Datetime.to_string(naive)


class HubDashboard(models.AbstractModel):
    """Figures of Logistics Hub > Dashboard (owl_ui/src/dashboard), computed from the shared tables.

    Everything is read with SQL aggregates over hub_event, hub_sync_state and hub_exception: the
    outbox can hold millions of rows, which the ORM would load one by one. Each KPI card opens the
    records it counts (``action_open_kpi``), filtered by the same definition as its figure.
    """

    _name = "hub.dashboard"
    _description = "Logistics Hub Dashboard"

    @api.model
    def get_stats(self, minutes=60):
        """Throughput, latency, backlog and SLA of the last ``minutes`` (1 minute to 7 days)."""
        self.env["hub.event"].check_access("read")
        self.env["hub.sync.state"].check_access("read")
        self.env.flush_all()
        minutes = self._hub_window(minutes)
        bucket_minutes = -(-minutes // MAX_BUCKETS)
        size = bucket_minutes * 60
        now = fields.Datetime.now()
        since = now - timedelta(minutes=minutes)
        now_epoch = now.replace(tzinfo=timezone.utc).timestamp()
        buckets = list(range(_bucket_start(now_epoch - minutes * 60, size), int(now_epoch) + 1, size))
        sla_seconds = self._hub_sla_seconds()

        outbound, inbound, events = self._hub_event_series(since, size, buckets, bucket_minutes)
        exceptions = self._hub_exception_series(since, size, buckets)
        queue = self._hub_queue(since)
        return {
            "window_minutes": minutes,
            "bucket_minutes": bucket_minutes,
            "sla_seconds": sla_seconds,
            "generated_at": fields.Datetime.to_string(now),
            "kpis": {
                "events": events,
                "events_per_minute": round(events / minutes, 2),
                "latency_ms": self._hub_latency(since),
                "queue_depth": queue["pending"] + queue["queued"],
                "pending": queue["pending"],
                "queued": queue["queued"],
                "dlq_size": queue["dlq_size"],
                "dead_events": queue["dead_events"],
                "dead_cleared": queue["dead_cleared"],
                "retries": self._hub_retries(since),
                "failed_states": queue["failed_states"],
                "open_exceptions": exceptions["open"],
            },
            "series": {
                "labels": [_server_time(start) for start in buckets],
                "outbound": outbound,
                "inbound": inbound,
                "exceptions": exceptions["series"],
            },
            "sla": self._hub_sla(since, now, sla_seconds),
            "exceptions_by_reason": exceptions["by_reason"],
            "sidecar": self._hub_sidecar_for_client(),
        }

    @api.model
    def action_open_kpi(self, kpi, minutes=60):
        """The records behind the KPI card ``kpi`` of a ``minutes`` window, as a list action filtered
        by the definition its figure was computed with (the dead letters: the very ids it counted)."""
        minutes = self._hub_window(minutes)
        since = fields.Datetime.to_string(fields.Datetime.now() - timedelta(minutes=minutes))
        period = duration_words(minutes * 60)
        outbound = [("direction", "=", "out")]
        if kpi == "events_per_minute":
            return self._hub_list_action("logistics_hub.hub_event_action", _("Events of the last %s", period),
                                         [("create_date", ">=", since)])
        if kpi in ("p50", "p95", "p99"):
            return self._hub_list_action("logistics_hub.hub_event_action", _("Delivered in the last %s", period),
                                         outbound + [("state", "=", "delivered"), ("done_at", ">=", since)])
        if kpi == "queue_depth":
            return self._hub_list_action("logistics_hub.hub_event_action", _("Waiting for delivery"),
                                         outbound + [("state", "in", ("pending", "queued"))])
        if kpi == "dlq_size":
            return self._hub_list_action("logistics_hub.hub_event_action", _("Dead letters"),
                                         [("id", "in", self._hub_dead_letter_ids())])
        if kpi == "retries":
            return self._hub_list_action("logistics_hub.hub_sync_state_action", _("Retried in the last %s", period),
                                         [("write_date", ">=", since), ("attempts", ">", 1)])
        if kpi == "open_exceptions" and "hub.exception" in self.env:
            return self._hub_list_action("logistics_hub.hub_exception_action", _("Open exceptions"),
                                         [("state", "in", ("open", "in_progress"))])
        raise UserError(_("The dashboard has no list for %s.", kpi))

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _hub_window(self, minutes):
        return max(1, min(int(minutes), MAX_WINDOW_MINUTES))

    @api.model
    def _hub_list_action(self, xml_id, name, domain):
        """The model's own list action (its views, search filters and help), narrowed to ``domain``."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        self.env[action["res_model"]].check_access("read")
        return dict(action, name=name, domain=domain, context={})

    @api.model
    def _hub_dead_letter_ids(self):
        self.env.cr.execute(SQL(
            "SELECT e.id FROM hub_event e WHERE e.direction = 'out' AND e.state = 'dead' AND NOT %s ORDER BY e.id",
            self._hub_dead_cleared_sql(),
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _hub_sla_seconds(self):
        value = self.env["ir.config_parameter"].sudo().get_param("logistics_hub.sla_seconds")
        try:
            return max(1, int(value)) if value else DEFAULT_SLA_SECONDS
        except ValueError:
            return DEFAULT_SLA_SECONDS

    @api.model
    def _hub_event_series(self, since, size, buckets, bucket_minutes):
        """Events per minute in each bucket, outbound and inbound, and the total of the window."""
        self.env.cr.execute(SQL(
            """SELECT floor(extract(epoch FROM create_date) / %(size)s)::bigint * %(size)s, direction, count(*)
                 FROM hub_event
                WHERE create_date >= %(since)s
             GROUP BY 1, 2""",
            size=size, since=since,
        ))
        counts = {(int(start), direction): count for start, direction, count in self.env.cr.fetchall()}
        total = sum(counts.values())

        def rate(direction):
            return [round(counts.get((start, direction), 0) / bucket_minutes, 2) for start in buckets]

        return rate("out"), rate("in"), total

    @api.model
    def _hub_latency(self, since):
        """Percentiles of created -> delivered of the outbound events delivered in the window, in ms."""
        self.env.cr.execute(SQL(
            """SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
                      (ORDER BY extract(epoch FROM done_at - create_date))
                 FROM hub_event
                WHERE direction = 'out' AND state = 'delivered' AND done_at >= %(since)s
                  AND done_at >= create_date""",
            since=since,
        ))
        values = self.env.cr.fetchone()[0]
        if not values:
            return {"p50": None, "p95": None, "p99": None}
        return {key: round(value * 1000) for key, value in zip(("p50", "p95", "p99"), values)}

    @api.model
    def _hub_queue(self, since):
        """Backlog now (outbound events waiting, dead letters, records failing) and the window's dead
        events, with how many of those were delivered again since."""
        self.env.cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'queued')
                 FROM hub_event
                WHERE direction = 'out' AND state IN ('pending', 'queued')"""
        ))
        pending, queued = self.env.cr.fetchone()
        self.env.cr.execute(SQL("SELECT count(*) FROM hub_sync_state WHERE status = 'failed'"))
        failed_states = self.env.cr.fetchone()[0]
        # The card says "Dead letters N" and, under it, "M in the period, K delivered again since": every
        # figure comes from the same rows, so N >= M - K always holds and the card cannot contradict itself.
        self.env.cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE NOT %(cleared)s),
                      count(*) FILTER (WHERE %(in_window)s),
                      count(*) FILTER (WHERE %(in_window)s AND %(cleared)s)
                 FROM hub_event e
                WHERE e.direction = 'out' AND e.state = 'dead'""",
            cleared=self._hub_dead_cleared_sql(), in_window=SQL("coalesce(e.done_at, e.create_date) >= %s", since),
        ))
        dlq_size, dead_events, dead_cleared = self.env.cr.fetchone()
        return {
            "pending": pending, "queued": queued, "dlq_size": dlq_size, "failed_states": failed_states,
            "dead_events": dead_events, "dead_cleared": dead_cleared,
        }

    @api.model
    def _hub_dead_cleared_sql(self):
        """Whether the dead outbound event ``e`` is no longer a dead letter: a later event of its record
        to its connector (a re-send, or the record's next event) was delivered. Until then it stays in
        the dead letters, whatever else happened to the record (hub_event_lane_index makes it a probe).
        """
        return SQL(
            """EXISTS (SELECT 1 FROM hub_event later
                         WHERE later.connector_id = e.connector_id AND later.res_model = e.res_model
                           AND later.res_id = e.res_id AND later.id > e.id AND later.state = 'delivered')"""
        )

    @api.model
    def _hub_retries(self, since):
        """Delivery attempts beyond the first, of the sync states that changed in the window."""
        self.env.cr.execute(SQL(
            "SELECT coalesce(sum(greatest(attempts - 1, 0)), 0) FROM hub_sync_state WHERE write_date >= %s",
            since,
        ))
        return int(self.env.cr.fetchone()[0])

    @api.model
    def _hub_sla(self, since, now, sla_seconds):
        """Per connector: share of the window's outbound events delivered within the SLA.

        An event still in flight is judged once the SLA has passed (a miss); before that it counts
        neither way. Dead events are misses.
        """
        self.env.cr.execute(SQL(
            """SELECT c.id, c.name,
                      count(*) FILTER (WHERE e.state IN ('delivered', 'dead') OR e.create_date < %(judged)s),
                      count(*) FILTER (WHERE e.state = 'delivered'
                                         AND e.done_at - e.create_date <= make_interval(secs => %(sla)s))
                 FROM hub_event e
                 JOIN hub_connector c ON c.id = e.connector_id
                WHERE e.direction = 'out' AND e.create_date >= %(since)s
             GROUP BY c.id, c.name
             ORDER BY c.name, c.id""",
            judged=now - timedelta(seconds=sla_seconds), sla=sla_seconds, since=since,
        ))
        return [
            {
                "connector_id": connector_id,
                "connector": name,
                "total": total,
                "within": within,
                "adherence": round(within / total, 4) if total else None,
            }
            for connector_id, name, total, within in self.env.cr.fetchall()
        ]

    @api.model
    def _hub_exception_series(self, since, size, buckets):
        """Exceptions opened per bucket, and the open ones by reason; None without hub.exception."""
        if "hub.exception" not in self.env:
            return {"series": None, "open": None, "by_reason": []}
        Exception_ = self.env["hub.exception"]
        Exception_.check_access("read")
        self.env.cr.execute(SQL(
            """SELECT floor(extract(epoch FROM create_date) / %(size)s)::bigint * %(size)s, count(*)
                 FROM hub_exception
                WHERE create_date >= %(since)s
             GROUP BY 1""",
            size=size, since=since,
        ))
        counts = {int(start): count for start, count in self.env.cr.fetchall()}
        labels = dict(Exception_._fields["reason"]._description_selection(self.env))
        open_domain = [("state", "in", ("open", "in_progress"))]
        by_reason = Exception_._read_group(open_domain, ["reason"], ["__count"], order="__count desc")
        return {
            "series": [counts.get(start, 0) for start in buckets],
            "open": sum(count for _reason, count in by_reason),
            "by_reason": [
                {"reason": reason, "label": labels.get(reason, reason), "count": count} for reason, count in by_reason
            ],
        }

    # ------------------------------------------------------------------
    # Sidecar liveness (Settings and the dashboard's banner)
    # ------------------------------------------------------------------

    @api.model
    def _hub_sidecar_status(self):
        """hub/liveness.py's verdict on the heartbeat rows, with the sentence people read."""
        status = liveness(self._hub_sidecar_rows())
        status["message"] = self._hub_sidecar_message(status)
        return status

    @api.model
    def _hub_sidecar_for_client(self):
        status = self._hub_sidecar_status()
        if status["last_beat_at"]:
            status["last_beat_at"] = fields.Datetime.to_string(status["last_beat_at"])
        return status

    @api.model
    def _hub_sidecar_rows(self):
        """The replicas' heartbeat rows (database clock), [] before any sidecar created the table, None
        when Odoo may not read it (the sidecar connects as another database user)."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL("SELECT to_regclass('hub_sidecar.heartbeat') IS NOT NULL"), log_exceptions=False)
                if not cr.fetchone()[0]:
                    return []
                cr.execute(SQL(
                    """SELECT version, beat_at, interval_seconds, stopped_at IS NOT NULL,
                              extract(epoch FROM clock_timestamp() - beat_at)
                         FROM hub_sidecar.heartbeat
                     ORDER BY beat_at DESC
                        LIMIT 100"""
                ), log_exceptions=False)
                rows = cr.fetchall()
        except psycopg2.Error as error:
            _logger.warning("hub: cannot read the sidecar heartbeat (hub_sidecar.heartbeat): %s", error)
            return None
        return [
            {
                "version": version,
                "beat_at": beat_at.astimezone(timezone.utc).replace(tzinfo=None),
                "interval_seconds": interval_seconds,
                "stopped": stopped,
                "age_seconds": float(age),
            }
            for version, beat_at, interval_seconds, stopped, age in rows
        ]

    @api.model
    def _hub_sidecar_message(self, status):
        state = status["state"]
        if state == "live":
            return _("%(count)s replica(s) running, version %(version)s; last heartbeat %(ago)s ago.",
                     count=status["live_replicas"], version=status["version"], ago=duration_words(status["since_seconds"]))
        if state == "silent":
            return _("No heartbeat from the sidecar for %s: nothing is delivered to partners or applied from them "
                     "until it runs again (nothing is lost: events wait in the outbox). Check the sidecar process "
                     "and its log.", duration_words(status["silent_seconds"]))
        if state == "stopped":
            return _("The sidecar was stopped %s ago: nothing is delivered to partners or applied from them until "
                     "it is started again (nothing is lost: events wait in the outbox).", duration_words(status["silent_seconds"]))
        if state == "never":
            return _("No sidecar has reported to this database yet: events wait in the outbox until one is started "
                     "with DATABASE_URL pointing at this database.")
        return _("Odoo cannot read the sidecar's heartbeat (table hub_sidecar.heartbeat): give Odoo's database "
                 "user read access to it.")
