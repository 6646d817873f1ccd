import re
from pathlib import Path

from odoo.tests import BaseCase, TransactionCase, tagged

from ..hub.liveness import duration_words, liveness, silence_threshold

# The sidecar owns hub_sidecar.heartbeat: the tests create it with the sidecar's own DDL, so a column
# the sidecar renames breaks these tests instead of the Settings page.
HEARTBEAT_PLANS = Path(__file__).resolve().parents[3] / "sidecar" / "src" / "db" / "heartbeat-plans.ts"


def sidecar_heartbeat_ddl():
    match = re.search(r"`(CREATE TABLE IF NOT EXISTS hub_sidecar\.heartbeat \(.*?\))`", HEARTBEAT_PLANS.read_text(), re.S)
    assert match, f"no heartbeat table in {HEARTBEAT_PLANS}"
    return match.group(1)


def row(age, version="0.1.0", interval=15, stopped=False):
    return {"version": version, "beat_at": f"beat {age}", "age_seconds": age, "interval_seconds": interval, "stopped": stopped}


@tagged("post_install", "-at_install")
class TestLivenessRules(BaseCase):
    """hub/liveness.py: the sidecar's state from its replicas' heartbeat rows, without a database."""

    def test_silence_threshold(self):
        self.assertEqual(silence_threshold(15), 60, "about a minute, however often a replica beats")
        self.assertEqual(silence_threshold(1), 60)
        self.assertEqual(silence_threshold(30), 90, "three missed beats")

    def test_states(self):
        self.assertEqual(liveness(None)["state"], "unknown")
        self.assertEqual(liveness([])["state"], "never")
        live = liveness([row(5), row(200, version="0.0.9"), row(10, version="0.2.0")])
        self.assertEqual(
            {k: live[k] for k in ("state", "live_replicas", "version", "last_beat_at", "silent_seconds", "since_seconds")},
            {"state": "live", "live_replicas": 2, "version": "0.1.0, 0.2.0", "last_beat_at": "beat 5", "silent_seconds": None, "since_seconds": 5},
            "during a rolling update both versions show; a replica silent for 200 s is not counted",
        )
        silent = liveness([row(61), row(3000)])
        self.assertEqual((silent["state"], silent["live_replicas"], silent["silent_seconds"], silent["last_beat_at"]), ("silent", 0, 61, "beat 61"))
        self.assertEqual(liveness([row(90, interval=30)])["state"], "live", "a slow beater is given three beats")

    def test_a_graceful_stop_is_told_from_silence(self):
        self.assertEqual(liveness([row(20, stopped=True)])["state"], "stopped")
        self.assertEqual(liveness([row(20, stopped=True), row(10)])["state"], "live", "another replica still runs")
        self.assertEqual(liveness([row(20, stopped=True), row(600)])["state"], "stopped", "the last word was a stop")
        self.assertEqual(liveness([row(700, stopped=True), row(600)])["state"], "silent", "the last one heard crashed")

    def test_duration_words(self):
        self.assertEqual([duration_words(s) for s in (45, 119, 300, 7199, 10800, 172800)], ["45 s", "119 s", "5 min", "119 min", "3 h", "2 days"])


@tagged("post_install", "-at_install")
class TestSidecarLiveness(TransactionCase):
    """Odoo reads the sidecar's heartbeat table: Settings and the dashboard say whether it runs."""

    def _table(self):
        self.env.cr.execute("CREATE SCHEMA IF NOT EXISTS hub_sidecar")
        self.env.cr.execute("DROP TABLE IF EXISTS hub_sidecar.heartbeat")
        self.env.cr.execute(sidecar_heartbeat_ddl())

    def _beat(self, replica, seconds_ago, version="0.1.0", stopped=False):
        # clock_timestamp(), not now(): a test transaction may have begun long before this test
        self.env.cr.execute(
            """INSERT INTO hub_sidecar.heartbeat (replica, hostname, pid, version, started_at, beat_at, interval_seconds, stopped_at)
               VALUES (%(replica)s, 'sidecar-1', 42, %(version)s, clock_timestamp() - interval '1 hour',
                       clock_timestamp() - make_interval(secs => %(ago)s), 15,
                       CASE WHEN %(stopped)s THEN clock_timestamp() - make_interval(secs => %(ago)s) END)""",
            {"replica": replica, "ago": seconds_ago, "version": version, "stopped": stopped},
        )

    def _settings(self):
        return self.env["res.config.settings"].create({})

    def test_running(self):
        self._table()
        self._beat("a", 5)
        self._beat("b", 8)
        self._beat("crashed-yesterday", 86400, version="0.0.1")
        settings = self._settings()
        self.assertEqual(
            (settings.hub_sidecar_state, settings.hub_sidecar_replicas, settings.hub_sidecar_version),
            ("live", 2, "0.1.0"),
        )
        self.assertRegex(settings.hub_sidecar_message, r"^2 replica\(s\) running, version 0\.1\.0; last heartbeat \d+ s ago\.$")
        self.assertTrue(settings.hub_sidecar_last_beat)
        sidecar = self.env["hub.dashboard"].get_stats()["sidecar"]
        self.assertEqual((sidecar["state"], sidecar["live_replicas"]), ("live", 2))
        self.assertRegex(sidecar["last_beat_at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", "the web client's datetime format")

    def test_silent(self):
        self._table()
        self._beat("a", 300)
        settings = self._settings()
        self.assertEqual((settings.hub_sidecar_state, settings.hub_sidecar_replicas), ("silent", 0))
        self.assertTrue(settings.hub_sidecar_message.startswith("No heartbeat from the sidecar for 5 min: nothing is delivered"))
        self.assertIn("nothing is lost", settings.hub_sidecar_message)
        self.assertEqual(self.env["hub.dashboard"].get_stats()["sidecar"]["state"], "silent")

    def test_stopped(self):
        self._table()
        self._beat("a", 30, stopped=True)
        settings = self._settings()
        self.assertEqual(settings.hub_sidecar_state, "stopped")
        self.assertTrue(settings.hub_sidecar_message.startswith("The sidecar was stopped 30 s ago"))

    def test_never_started(self):
        self.env.cr.execute("DROP TABLE IF EXISTS hub_sidecar.heartbeat")
        settings = self._settings()
        self.assertEqual((settings.hub_sidecar_state, settings.hub_sidecar_last_beat, settings.hub_sidecar_version), ("never", False, False))
        self.assertIn("No sidecar has reported to this database yet", settings.hub_sidecar_message)

    def test_unreadable_heartbeat_does_not_break_the_request(self):
        # Stands in for a table Odoo's database user may not read (the sidecar connects as another one).
        self.env.cr.execute("CREATE SCHEMA IF NOT EXISTS hub_sidecar")
        self.env.cr.execute("DROP TABLE IF EXISTS hub_sidecar.heartbeat")
        self.env.cr.execute("CREATE VIEW hub_sidecar.heartbeat AS SELECT 1 / 0 AS version, now() AS beat_at, 15 AS interval_seconds, NULL::timestamptz AS stopped_at")
        with self.assertLogs("odoo.addons.logistics_hub.models.hub_dashboard", "WARNING"):
            stats = self.env["hub.dashboard"].get_stats()
        self.assertEqual(stats["sidecar"]["state"], "unknown")
        self.assertIn("give Odoo's database user read access", stats["sidecar"]["message"])
        self.assertGreaterEqual(self.env["res.users"].search_count([]), 1, "the transaction is still usable")
