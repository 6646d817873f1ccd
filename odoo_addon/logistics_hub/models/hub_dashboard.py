from datetime import datetime, timedelta, timezone

from odoo import api, fields, models
from odoo.tools import SQL

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
    outbox can hold millions of rows, which the ORM would load one by one.
    """

    _name = "hub.dashboard"
    _description = "Logistics Hub Dashboard"

    @api.model
    def get_stats(self, minutes=60):
        """Throughput, latency, backlog and SLA of the last ``minutes`` (1 minute to 7 days)."""
        self.env["hub.event"].check_access("read")
        self.env["hub.sync.state"].check_access("read")
        self.env.flush_all()
        minutes = max(1, min(int(minutes), MAX_WINDOW_MINUTES))
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
        }

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

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
        """Backlog now (outbound events waiting, records dead-lettered or failing) and the window's
        dead events."""
        self.env.cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'queued')
                 FROM hub_event
                WHERE direction = 'out' AND state IN ('pending', 'queued')"""
        ))
        pending, queued = self.env.cr.fetchone()
        # A record stays in the dead letters until a later event of it is delivered (a replay).
        self.env.cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE status = 'dead'), count(*) FILTER (WHERE status = 'failed')
                 FROM hub_sync_state"""
        ))
        dlq_size, failed_states = self.env.cr.fetchone()
        self.env.cr.execute(SQL(
            """SELECT count(*) FROM hub_event
                WHERE direction = 'out' AND state = 'dead' AND coalesce(done_at, create_date) >= %s""",
            since,
        ))
        return {
            "pending": pending, "queued": queued, "dlq_size": dlq_size, "failed_states": failed_states,
            "dead_events": self.env.cr.fetchone()[0],
        }

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
