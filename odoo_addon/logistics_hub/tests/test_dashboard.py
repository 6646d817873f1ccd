from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestDashboard(HubCase):
    """hub.dashboard.get_stats: the figures of the OWL dashboard, from the shared tables."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hook = cls._create_connector("hook", "Webhook", [])
        # Only this test's rows count: the database may hold events of other tests or demo flows.
        cls.env["hub.event"].sudo().search([]).unlink()
        cls.env["hub.sync.state"].sudo().search([]).unlink()
        cls.env["hub.exception"].sudo().search([]).unlink()
        cls.env["ir.config_parameter"].sudo().set_param("logistics_hub.sla_seconds", 60)

    def _event(self, connector, created_ago, state="delivered", latency=None, direction="out", res_id=1):
        now = fields.Datetime.now()
        event = self.env["hub.event"].sudo().create({
            "direction": direction, "event_type": "order.confirmed", "connector_id": connector.id,
            "res_model": "sale.order", "res_id": res_id, "state": state,
        })
        created = now - timedelta(seconds=created_ago)
        done = created + timedelta(seconds=latency) if latency is not None else None
        self.env.flush_all()
        self.env.cr.execute("UPDATE hub_event SET create_date = %s, done_at = %s WHERE id = %s", (created, done, event.id))
        return event

    def test_stats(self):
        # wms: 3 delivered (1 s, 2 s, 90 s: one SLA miss), one dead; hook: one in flight for 10 s.
        self._event(self.wms, 600, latency=1)
        self._event(self.wms, 500, latency=2)
        self._event(self.wms, 400, latency=90)
        self._event(self.wms, 300, state="dead", latency=30)
        self._event(self.hook, 10, state="queued")
        self._event(self.wms, 30, state="applied", latency=0, direction="in")
        self._event(self.wms, 7200, latency=1, res_id=9)  # outside the window
        self.env["hub.sync.state"].sudo().create([
            {"res_model": "sale.order", "res_id": 1, "connector_id": self.wms.id, "status": "dead", "attempts": 5},
            {"res_model": "sale.order", "res_id": 2, "connector_id": self.wms.id, "status": "failed", "attempts": 2},
        ])
        self.env["hub.exception"].sudo().create([
            {"reason": "partner_rejected", "res_model": "sale.order", "res_id": 1, "connector_id": self.wms.id},
            {"reason": "partner_rejected", "res_model": "sale.order", "res_id": 2, "connector_id": self.wms.id},
            {"reason": "lost_parcel", "res_model": "sale.order", "res_id": 3, "connector_id": self.wms.id, "state": "resolved"},
        ])

        stats = self.env["hub.dashboard"].get_stats(minutes=60)

        self.assertEqual((stats["window_minutes"], stats["bucket_minutes"], stats["sla_seconds"]), (60, 1, 60))
        kpis = stats["kpis"]
        self.assertEqual(kpis["events"], 6)
        self.assertEqual(kpis["events_per_minute"], 0.1)
        self.assertEqual(kpis["latency_ms"]["p50"], 2000)
        self.assertGreater(kpis["latency_ms"]["p95"], 80000)
        self.assertLessEqual(kpis["latency_ms"]["p99"], 90000)
        self.assertEqual((kpis["queue_depth"], kpis["queued"], kpis["pending"]), (1, 1, 0))
        self.assertEqual((kpis["dlq_size"], kpis["dead_events"], kpis["dead_cleared"]), (1, 1, 0))
        self.assertEqual((kpis["retries"], kpis["failed_states"]), (4 + 1, 1))
        self.assertEqual(kpis["open_exceptions"], 2)

        series = stats["series"]
        self.assertEqual(len(series["labels"]), len(series["outbound"]))
        self.assertIn(len(series["labels"]), (60, 61))
        self.assertEqual(sum(series["outbound"]), 5)
        self.assertEqual(sum(series["inbound"]), 1)
        self.assertEqual(sum(series["exceptions"]), 3)
        self.assertRegex(series["labels"][0], r"^\d{4}-\d\d-\d\d \d\d:\d\d:00$")

        sla = {row["connector"]: row for row in stats["sla"]}
        self.assertEqual((sla["WMS Main"]["total"], sla["WMS Main"]["within"]), (4, 2))
        self.assertEqual(sla["WMS Main"]["adherence"], 0.5)
        self.assertEqual((sla["Webhook"]["total"], sla["Webhook"]["adherence"]), (0, None),
                         "an event in flight for less than the SLA is not judged yet")
        self.assertEqual(stats["exceptions_by_reason"], [{"reason": "partner_rejected", "label": "Rejected by partner", "count": 2}])

    def test_dead_letters_agree_with_the_dead_events_under_them(self):
        """"Dead letters 0" above "1 dead event": both now count the same dead events, a dead
        event leaving the dead letters only once a later event of its record was delivered."""
        replayed = self._event(self.wms, 900, state="dead", latency=1, res_id=1)
        self._event(self.wms, 600, latency=1, res_id=1)  # delivered again, later in the lane
        waiting = self._event(self.wms, 500, state="dead", latency=1, res_id=2)
        self._event(self.wms, 400, state="pending", res_id=2)  # a later event, not delivered yet
        old = self._event(self.wms, 9000, state="dead", latency=1, res_id=3)  # before the window
        other_connector = self._event(self.hook, 800, state="dead", latency=1, res_id=1)  # wms' delivery clears nothing here

        kpis = self.env["hub.dashboard"].get_stats(minutes=60)["kpis"]

        self.assertEqual(
            (kpis["dlq_size"], kpis["dead_events"], kpis["dead_cleared"]), (3, 3, 1),
            "still dead: the record still waiting, the old one and the other connector's; in the window: 3, of which 1 delivered again",
        )
        self.assertGreaterEqual(kpis["dlq_size"], kpis["dead_events"] - kpis["dead_cleared"])
        action = self.env["hub.dashboard"].action_open_kpi("dlq_size", minutes=60)
        self.assertEqual(action["res_model"], "hub.event")
        self.assertEqual(self.env["hub.event"].search(action["domain"]), waiting | old | other_connector)
        self.assertNotIn(replayed, self.env["hub.event"].search(action["domain"]))

    def test_each_card_opens_the_records_it_counts(self):
        self._event(self.wms, 600, latency=1)
        self._event(self.wms, 300, state="dead", latency=30, res_id=2)
        self._event(self.hook, 10, state="queued")
        self._event(self.hook, 20, state="pending", res_id=2)
        self._event(self.wms, 30, state="applied", latency=0, direction="in")
        self._event(self.wms, 7200, latency=1, res_id=9)  # outside the window
        self.env["hub.sync.state"].sudo().create([
            {"res_model": "sale.order", "res_id": 1, "connector_id": self.wms.id, "status": "sent", "attempts": 3},
            {"res_model": "sale.order", "res_id": 2, "connector_id": self.wms.id, "status": "dead", "attempts": 1},
        ])
        self.env["hub.exception"].sudo().create([
            {"reason": "partner_rejected", "res_model": "sale.order", "res_id": 2, "connector_id": self.wms.id},
            {"reason": "lost_parcel", "res_model": "sale.order", "res_id": 3, "connector_id": self.wms.id, "state": "resolved"},
        ])
        dashboard = self.env["hub.dashboard"]
        kpis = dashboard.get_stats(minutes=60)["kpis"]

        def listed(kpi):
            action = dashboard.action_open_kpi(kpi, minutes=60)
            self.assertEqual((action["type"], action["context"]), ("ir.actions.act_window", {}))
            return action["res_model"], self.env[action["res_model"]].search_count(action["domain"])

        self.assertEqual(listed("events_per_minute"), ("hub.event", kpis["events"]))
        self.assertEqual(listed("queue_depth"), ("hub.event", kpis["queue_depth"]))
        self.assertEqual(kpis["queue_depth"], 2)
        self.assertEqual(listed("dlq_size"), ("hub.event", kpis["dlq_size"]))
        self.assertEqual(listed("open_exceptions"), ("hub.exception", kpis["open_exceptions"]))
        self.assertEqual(listed("p95"), ("hub.event", 1), "the delivery the percentiles are computed from")
        self.assertEqual(listed("retries"), ("hub.sync.state", 1), "the records delivered in more than one attempt")
        self.assertEqual(dashboard.action_open_kpi("queue_depth")["name"], "Waiting for delivery")
        self.assertEqual(dashboard.action_open_kpi("events_per_minute", minutes=240)["name"], "Events of the last 4 h")
        with self.assertRaises(UserError):
            dashboard.action_open_kpi("sla")

    def test_long_windows_use_wider_buckets(self):
        stats = self.env["hub.dashboard"].get_stats(minutes=1440)
        self.assertEqual(stats["bucket_minutes"], 24)
        self.assertLessEqual(len(stats["series"]["labels"]), 61)
        self.assertEqual(self.env["hub.dashboard"].get_stats(minutes=10**9)["window_minutes"], 7 * 24 * 60)
        self.assertIsNone(stats["kpis"]["latency_ms"]["p50"])

    def test_hub_users_only(self):
        outsider = new_test_user(self.env, "hub_dash_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["hub.dashboard"].with_user(outsider).get_stats()
        with self.assertRaises(AccessError):
            self.env["hub.dashboard"].with_user(outsider).action_open_kpi("queue_depth")
        user = new_test_user(self.env, "hub_dash_user", groups="base.group_user,logistics_hub.group_hub_user")
        self.assertIn("kpis", self.env["hub.dashboard"].with_user(user).get_stats())
