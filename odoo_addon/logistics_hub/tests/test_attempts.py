from odoo.exceptions import AccessError, ValidationError
from odoo.tests import BaseCase, new_test_user, tagged

from ..hub.messages import EXCERPT_MAX, MessageError, check_result
from .common import HubCase


def _delivery(**values):
    return {
        "attempted_at": "2026-11-23T16:00:00Z", "duration_ms": 120, "http_status": 503,
        "response_excerpt": '{"error":"upstream down"}', "max_attempts": 5, "next_retry_at": "2026-11-23T16:00:10Z",
        **values,
    }


@tagged("post_install", "-at_install")
class TestDeliveryRules(BaseCase):
    """``delivery`` of a result (docs/contract.md): the attempt it reports, checked with the call's shape."""

    def test_delivery_is_normalised(self):
        result = check_result({"event_uuid": "e", "status": "failed", "attempt": 2, "delivery": _delivery()}, 0)
        self.assertEqual(result["delivery"]["http_status"], 503)
        self.assertEqual(result["delivery"]["max_attempts"], 5)
        self.assertEqual(str(result["delivery"]["next_retry_at"]), "2026-11-23 16:00:10")
        self.assertEqual(str(result["delivery"]["attempted_at"]), "2026-11-23 16:00:00")
        none = check_result({"event_uuid": "e", "status": "failed", "attempt": 2, "delivery": _delivery(
            http_status=None, duration_ms=None, response_excerpt=None, next_retry_at=None, attempted_at=None)}, 0)
        self.assertEqual(none["delivery"], {
            "attempted_at": None, "duration_ms": None, "http_status": None, "response_excerpt": None,
            "max_attempts": 5, "next_retry_at": None,
        })
        self.assertIsNone(check_result({"event_uuid": "e", "status": "sent", "attempt": 1}, 0)["delivery"],
                          "results restored by the self-check report no attempt")

    def test_excerpt_is_bounded_whatever_is_sent(self):
        result = check_result({"event_uuid": "e", "status": "failed", "attempt": 1,
                               "delivery": _delivery(response_excerpt="x" * 5000)}, 0)
        self.assertEqual(len(result["delivery"]["response_excerpt"]), EXCERPT_MAX)

    def test_malformed_delivery_names_the_item(self):
        for bad, message in (
            ("nope", r"results\[4\]\.delivery must be an object or null"),
            (_delivery(http_status=42), r"results\[4\]\.delivery: 'http_status' must be an integer between 100 and 599"),
            (_delivery(duration_ms=-1), r"results\[4\]\.delivery: 'duration_ms' must be an integer at least 0"),
            (_delivery(max_attempts=True), r"results\[4\]\.delivery: 'max_attempts'"),
            (_delivery(next_retry_at="soon"), r"results\[4\]\.delivery: 'next_retry_at' is not an ISO 8601 timestamp"),
            (_delivery(response_excerpt=12), r"results\[4\]\.delivery: 'response_excerpt' must be a string or null"),
        ):
            with self.assertRaisesRegex(MessageError, message):
                check_result({"event_uuid": "e", "status": "failed", "attempt": 1, "delivery": bad}, 4)


@tagged("post_install", "-at_install")
class TestAttempts(HubCase):
    """Every delivery attempt is kept (hub.event.attempt), once per (event, attempt)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.env["sale.order"].create({
            "partner_id": cls.customer.id,
            "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1})],
        })
        cls.order.action_confirm()
        cls.event = cls.env["hub.event"].search([
            ("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id),
            ("event_type", "=", "order.confirmed"), ("connector_id", "=", cls.wms.id),
        ])

    def _result(self, status, attempt, **delivery):
        return {"event_uuid": self.event.uuid, "status": status, "attempt": attempt, "at": "2026-11-23T16:00:30Z",
                "error": "webhook answered HTTP 503" if status != "sent" else None, "external_ref": None,
                "delivery": _delivery(**delivery)}

    def _apply(self, *results):
        return self.env["hub.sync.state"].hub_apply_results(list(results))

    def _attempts(self):
        return self.env["hub.event.attempt"].search([("event_id", "=", self.event.id)], order="attempt")

    def test_each_attempt_is_kept_with_what_the_partner_answered(self):
        self._apply(self._result("failed", 1), self._result("failed", 2, next_retry_at="2026-11-23T16:00:40Z"))
        self._apply(self._result("sent", 3, http_status=202, response_excerpt='{"id":"F-1"}', next_retry_at=None, duration_ms=35))
        attempts = self._attempts()
        self.assertEqual(attempts.mapped("attempt"), [1, 2, 3])
        self.assertEqual(attempts.mapped("status"), ["failed", "failed", "sent"])
        self.assertEqual(attempts.mapped("http_status"), [503, 503, 202])
        self.assertEqual(attempts.mapped("duration_ms"), [120, 120, 35])
        self.assertEqual(attempts[2].response_excerpt, '{"id":"F-1"}')
        self.assertEqual([str(a.next_retry_at) for a in attempts], ["2026-11-23 16:00:10", "2026-11-23 16:00:40", "False"])
        self.assertEqual(attempts[0].error, "webhook answered HTTP 503")
        self.assertEqual(attempts[1].display_name, "Attempt 2 of 5")
        self.assertEqual(self.event.attempt_ids, attempts, "shown on the event form")

    def test_a_replayed_write_back_adds_nothing(self):
        batch = [self._result("failed", 1), self._result("sent", 2, http_status=200, next_retry_at=None)]
        self._apply(*batch)
        before = self._attempts().read(["attempt", "status", "http_status", "response_excerpt", "next_retry_at"])
        self._apply(*batch)
        self._apply(self._result("failed", 1, response_excerpt="a different answer"), self._result("failed", 1))
        self.assertEqual(self._attempts().read(["attempt", "status", "http_status", "response_excerpt", "next_retry_at"]), before)

    def test_a_stale_result_still_leaves_its_attempt(self):
        self._apply(self._result("failed", 2))
        self.assertEqual(self._apply(self._result("failed", 1)), [{"event_uuid": self.event.uuid, "outcome": "stale"}])
        self.assertEqual(self._attempts().mapped("attempt"), [1, 2], "history keeps every attempt")
        self.assertEqual(self._sync_state(self.order, self.wms).last_attempt, 2, "the sync state is unchanged")

    def test_results_without_delivery_report_no_attempt(self):
        self._apply({"event_uuid": self.event.uuid, "status": "sent", "attempt": 1, "at": "2026-11-23T16:00:30Z"})
        self.assertEqual(self._sync_state(self.order, self.wms).status, "sent")
        self.assertFalse(self._attempts())

    def test_a_malformed_delivery_refuses_the_call(self):
        with self.assertRaisesRegex(ValidationError, r"results\[1\]\.delivery: 'http_status'"):
            self._apply(self._result("failed", 1), self._result("failed", 2, http_status="503"))
        self.assertFalse(self._attempts(), "nothing of a refused call is kept")

    def test_hub_users_read_attempts(self):
        self._apply(self._result("failed", 1))
        hub_user = new_test_user(self.env, "hub_attempt_reader", groups="base.group_user,logistics_hub.group_hub_user")
        self.assertEqual(self._attempts().with_user(hub_user).read(["http_status"])[0]["http_status"], 503)
        plain = new_test_user(self.env, "attempt_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["hub.event.attempt"].with_user(plain).search([])
