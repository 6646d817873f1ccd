import random
from datetime import date

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..hub.rating import Lane, bracket_problems, rate
from .common import ShipmentCase

POD = {"signed_by": "J. Jansen", "signature_ref": "sig://1", "photo_ref": None}


@tagged("post_install", "-at_install")
class TestRating(ShipmentCase):
    """hub/rating.py: table-driven cases and properties over generated cards."""

    LANES = [
        Lane("NL 0-5", "NL", "", "", 0, 5, 5.0, 0.5),
        Lane("NL 5-20", "NL", "", "", 5, 20, 6.0, 0.4),
        Lane("BE 1000-1999 0-20", "BE", "1000", "1999", 0, 20, 9.0, 0.6),
    ]

    def _rate(self, country, zip_code, weight, volume=0.0, minimum=0.0, remote=(), remote_fee=0.0, fuel=0.0):
        return rate(self.LANES, country, zip_code, weight, volume, 5000, minimum, remote, remote_fee, fuel)

    def test_table(self):
        cases = [
            # (what, args, kwargs, expected transport, remote, fuel, billable)
            ("actual weight, second bracket", ("NL", "3011", 7.5), {}, 9.0, 0.0, 0.0, 7.5),
            ("a bracket's upper bound is in it", ("NL", "3011", 5.0), {}, 7.5, 0.0, 0.0, 5.0),
            ("dimensional weight wins (60,000 cm³ / 5000 = 12 kg)", ("NL", "3011", 7.5, 60_000), {}, 10.8, 0.0, 0.0, 12.0),
            ("minimum charge", ("NL", "3011", 1.0), {"minimum": 8.0}, 8.0, 0.0, 0.0, 1.0),
            ("remote area, then fuel on transport + remote", ("NL", "9999 XX", 7.5),
             {"remote": [("NL", "9900", "9999")], "remote_fee": 2.5, "fuel": 10.0}, 9.0, 2.5, 1.15, 7.5),
            ("postcode range compared on its length", ("BE", "1050", 10.0), {}, 15.0, 0.0, 0.0, 10.0),
            ("zero kg takes the first bracket", ("NL", "3011", 0.0), {}, 5.0, 0.0, 0.0, 0.0),
        ]
        for what, args, kwargs, transport, remote, fuel, billable in cases:
            with self.subTest(what):
                rated = self._rate(*args, **kwargs)
                self.assertAlmostEqual(rated.transport, transport)
                self.assertAlmostEqual(rated.remote, remote)
                self.assertAlmostEqual(rated.fuel, fuel)
                self.assertAlmostEqual(rated.billable_weight, billable)
        for what, args in (("above the last bracket", ("NL", "3011", 20.5)), ("postcode out of range", ("BE", "2000", 3)),
                           ("no lane for the country", ("DE", "10115", 3))):
            with self.subTest(what):
                self.assertIsNone(self._rate(*args), "no lane: not rated, never a zero price")

    def _random_card(self, rnd):
        """A card bracket_problems accepts: contiguous brackets from 0 kg, each starting no cheaper than
        the one before ends."""
        lanes, bound, price_end = [], 0.0, 0.0
        for i in range(rnd.randint(1, 5)):
            top = bound + rnd.choice([0.5, 1, 2.5, 5, 10, 30])
            per_kg = rnd.choice([0.0, 0.1, 0.35, 1.2])
            base = max(0.0, price_end - per_kg * bound + rnd.choice([0.0, 0.5, 3.0]))
            lanes.append(Lane(f"L{i}", "NL", "", "", bound, top, base, per_kg))
            price_end, bound = base + per_kg * top, top
        return lanes

    def test_properties_over_generated_cards(self):
        rnd = random.Random(20261202)
        for case in range(300):
            lanes = self._random_card(rnd)
            self.assertEqual(bracket_problems(lanes), [], f"case {case}: generated cards are valid")
            minimum = rnd.choice([0.0, 4.0, 25.0])
            fuel = rnd.choice([0.0, 7.5, 12.0])
            remote = [("NL", "9000", "9999")]
            zip_code = rnd.choice(["3011", "9501"])
            top = lanes[-1].weight_to
            weights = sorted(rnd.uniform(0, top) for _ in range(12))
            volume = rnd.choice([0.0, 20_000.0])
            prices, previous = [], None
            for weight in weights:
                rated = rate(lanes, "NL", zip_code, weight, volume, 5000, minimum, remote, 2.0, fuel)
                if rated is None:
                    # only when the dimensional weight is above the card
                    self.assertGreater(volume / 5000, top, f"case {case}: {weight} kg rated")
                    continue
                total = rated.transport + rated.remote + rated.fuel
                with self.subTest(case=case, weight=weight):
                    self.assertEqual(rated.billable_weight, max(weight, volume / 5000))
                    self.assertGreaterEqual(rated.transport, minimum - 1e-9, "the minimum applies")
                    self.assertAlmostEqual(rated.fuel, (rated.transport + rated.remote) * fuel / 100)
                    self.assertEqual(rated.remote, 2.0 if zip_code == "9501" else 0.0)
                    if previous is not None:
                        self.assertGreaterEqual(total, previous - 1e-9, "a heavier shipment never costs less")
                previous = total
                prices.append(total)

    def test_bracket_problems_name_the_lines(self):
        problems = bracket_problems([
            Lane("A", "NL", "", "", 0, 10, 5, 0.5),
            Lane("B", "NL", "", "", 8, 20, 12, 0.5),        # overlaps A
            Lane("C", "DE", "", "", 0, 5, 5, 0.5),
            Lane("D", "DE", "", "", 6, 10, 8, 0.5),         # gap after C
            Lane("E", "FR", "", "", 2, 5, 5, 0.5),          # does not start at 0
            Lane("F", "BE", "", "", 0, 5, 10, 1),
            Lane("G", "BE", "", "", 5, 10, 3, 1),           # cheaper than F ends
            Lane("H", "NL", "3000", "3999", 15, 30, 1, 1),  # overlaps B inside NL's range
        ])
        text = "\n".join(problems)
        for expected in ("A and B overlap", "C and D leave a gap", "E: the first bracket", "G starts cheaper than F",
                         "B and H overlap"):
            self.assertIn(expected, text)

    def test_distance_bands(self):
        lanes = [
            Lane("DE 0-150 km 0-20", "DE", "", "", 0, 20, 20.0, 1.0, 0, 150),
            Lane("DE 150-600 km 0-20", "DE", "", "", 0, 20, 45.0, 1.5, 150, 600),
        ]
        self.assertEqual(bracket_problems(lanes), [])
        by_distance = [(km, rate(lanes, "DE", "10115", 10, 0, 5000, 0, (), 0, 0, distance_km=km))
                       for km in (0, 80, 150, 150.1, 600)]
        self.assertEqual([(km, r.lane.name, r.transport) for km, r in by_distance], [
            (0, "DE 0-150 km 0-20", 30.0), (80, "DE 0-150 km 0-20", 30.0), (150, "DE 0-150 km 0-20", 30.0),
            (150.1, "DE 150-600 km 0-20", 60.0), (600, "DE 150-600 km 0-20", 60.0),
        ])
        self.assertIsNone(rate(lanes, "DE", "10115", 10, 0, 5000, 0, (), 0, 0, distance_km=601), "beyond the last band")
        self.assertIsNone(rate(lanes, "DE", "10115", 10, 0, 5000, 0, (), 0, 0), "no distance known: no banded lane")
        problems = "\n".join(bracket_problems([
            Lane("P", "DE", "", "", 0, 20, 20.0, 1.0, 0, 150),
            Lane("Q", "DE", "", "", 0, 20, 45.0, 1.5, 100, 600),    # overlaps P between 100 and 150 km
            Lane("R", "AT", "", "", 0, 20, 20.0, 1.0, 0, 100),
            Lane("S", "AT", "", "", 0, 20, 45.0, 1.5, 200, 600),    # gap after R
            Lane("T", "CH", "", "", 0, 20, 45.0, 1.5, 50, 600),     # bands not from 0 km
            Lane("U", "PL", "", "", 0, 20, 45.0, 1.5, 300, 200),    # empty band
        ]))
        for expected in ("P and Q overlap", "R and S leave a gap: nothing prices 100-200 km",
                         "T: the first distance band of its lane starts at 50 km", "U: the distance band 300-200 km is empty"):
            self.assertIn(expected, problems)


@tagged("post_install", "-at_install")
class TestBilling(ShipmentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.weight = 2.5
        cls.tms = cls._create_connector("tms-fleet", "Fleet", [], kind="tms", adapter="tms")
        cls.env["hub.fuel.index"].create([{"date_from": "2026-10-01", "percent": 5.0},
                                          {"date_from": "2026-11-01", "percent": 10.0}])
        cls.card = cls.env["hub.rate.card"].create({
            "name": "Hub Customer 2026",
            "partner_id": cls.customer.id,
            "date_from": "2026-01-01",
            "minimum_charge": 8.0,
            "detention_free_minutes": 60,
            "detention_hourly_rate": 40.0,
            "redelivery_fee": 12.0,
            "return_fee": 15.0,
            "remote_area_fee": 3.0,
            "remote_area_ids": [fields.Command.create({"country_id": cls.env.ref("base.nl").id,
                                                       "zip_from": "9000", "zip_to": "9999"})],
            "line_ids": [
                fields.Command.create({"country_id": cls.env.ref("base.nl").id, "weight_from": 0, "weight_to": 5,
                                       "base_price": 5.0, "price_per_kg": 0.5}),
                fields.Command.create({"country_id": cls.env.ref("base.nl").id, "weight_from": 5, "weight_to": 50,
                                       "base_price": 6.0, "price_per_kg": 0.4}),
            ],
        })

    def _charges(self, picking):
        return self.env["hub.charge"].search([("picking_id", "=", picking.id)])

    def _deliver(self, picking, uid="pf:1:6", at="2026-11-25T10:30:00Z", message="w-pod"):
        return self._track(message, self._tracking_event(uid, "delivered", at, pod=POD))

    def _delivered_picking(self, tracking="PF100000001"):
        picking = self._done_picking()
        self._book(picking, tracking=tracking)
        return picking

    # -- rate cards ------------------------------------------------------------------------------

    def test_card_with_overlapping_brackets_is_refused_naming_the_lines(self):
        with self.assertRaises(ValidationError) as overlap:
            self.card.write({"line_ids": [fields.Command.create({
                "country_id": self.env.ref("base.nl").id, "weight_from": 4, "weight_to": 10, "base_price": 9})]})
        self.assertIn("NL 0-5 kg and NL 4-10 kg overlap", str(overlap.exception))
        with self.assertRaises(ValidationError) as gap:
            self.env["hub.rate.card"].create({"name": "Gappy", "date_from": "2030-01-01", "line_ids": [
                fields.Command.create({"country_id": self.env.ref("base.be").id, "weight_from": 0, "weight_to": 5}),
                fields.Command.create({"country_id": self.env.ref("base.be").id, "weight_from": 7, "weight_to": 9}),
            ]})
        self.assertIn("leave a gap: nothing prices 5-7 kg", str(gap.exception))
        self.assertEqual(len(self.card.line_ids), 2, "the refused lane is not kept")

    def test_validity_overlap_is_refused(self):
        with self.assertRaises(ValidationError) as clash:
            self.env["hub.rate.card"].create({"name": "Second", "partner_id": self.customer.id, "date_from": "2026-06-01"})
        self.assertIn("Rate cards Second and Hub Customer 2026 are valid at the same time", str(clash.exception))
        # the next year's card, once this one ends
        self.card.date_to = "2026-12-31"
        self.env["hub.rate.card"].create({"name": "2027", "partner_id": self.customer.id, "date_from": "2027-01-01"})
        # another service level, or the default card, may overlap
        self.env["hub.rate.card"].create({"name": "Express", "partner_id": self.customer.id, "service_level": "express",
                                          "date_from": "2026-01-01"})
        self.env["hub.rate.card"].create({"name": "Default", "date_from": "2026-01-01"})

    def test_the_customer_card_of_the_shipment_date_else_the_default(self):
        Card = self.env["hub.rate.card"]
        default = Card.create({"name": "Default", "date_from": "2026-01-01"})
        self.assertEqual(Card._hub_card_for(self.customer, date(2026, 11, 25), self.env.company), self.card)
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        self.assertEqual(Card._hub_card_for(contact, date(2026, 11, 25), self.env.company), self.card,
                         "a contact of the customer is billed on the customer's card")
        other = self.env["res.partner"].create({"name": "Walk-in"})
        self.assertEqual(Card._hub_card_for(other, date(2026, 11, 25), self.env.company), default)
        self.assertEqual(Card._hub_card_for(self.customer, date(2025, 12, 31), self.env.company), self.env["hub.rate.card"],
                         "before any card: not billed")

    def test_delivery_method_quotes_the_rate_card(self):
        method = self.env["delivery.carrier"].create({
            "name": "Hub contract", "delivery_type": "hub_rate_card",
            "product_id": self.env["product.product"].create({"name": "Shipping", "type": "service"}).id,
        })
        order = self._create_order()
        order.date_order = "2026-11-20 10:00:00"
        quote = method.rate_shipment(order)
        # 3 x 2.5 kg = 7.5 kg: 6 + 0.4 x 7.5 = 9.00, fuel 10 % (today's index) = 0.90
        self.assertTrue(quote["success"], quote)
        self.assertAlmostEqual(quote["price"], 9.90)
        order.partner_shipping_id = self.env["res.partner"].create({
            "name": "Berlin", "type": "delivery", "country_id": self.env.ref("base.de").id, "zip": "10115",
            "parent_id": self.customer.id})
        quote = method.rate_shipment(order)
        self.assertFalse(quote["success"])
        self.assertIn("no lane", quote["error_message"])

    # -- charges ---------------------------------------------------------------------------------

    def test_proof_of_delivery_charges_once_and_invoices_the_shipment(self):
        picking = self._delivered_picking()
        # booked in the card's currency: the cost is kept beside the price
        picking.hub_shipping_currency = self.card.currency_id.name
        self._track("w-transit", self._tracking_event("pf:1:4", "in_transit", "2026-11-24T10:00:00Z"))
        self.assertFalse(self._charges(picking), "nothing is charged before the proof of delivery")
        self._deliver(picking)
        charges = self._charges(picking)
        by_type = {c.charge_type: c for c in charges}
        self.assertEqual(sorted(by_type), ["fuel", "transport"], "no remote area to 3011")
        self.assertAlmostEqual(by_type["transport"].amount, 9.0)
        self.assertAlmostEqual(by_type["fuel"].amount, 0.9)
        self.assertAlmostEqual(by_type["transport"].cost_amount, 7.45, msg="the booked carrier cost beside the price")
        self.assertAlmostEqual(by_type["transport"].margin, 1.55)
        self.assertIn("7.5 kg billed", by_type["transport"].description)

        # the same callback again, then the same event in another message (a replay), then a later scan
        self._deliver(picking)
        self._deliver(picking, message="w-pod-replayed")
        self._track("w-late", self._tracking_event("pf:1:7", "delivered", "2026-11-25T10:31:00Z"))
        self.assertEqual(self._charges(picking), charges, "charged once")

        invoice = charges.invoice_id
        self.assertEqual(len(invoice), 1, "per shipment: one invoice at proof of delivery")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(sorted(invoice.invoice_line_ids.mapped("price_unit")), [0.9, 9.0])
        for charge in charges:
            self.assertEqual(charge.state, "invoiced")
            self.assertIn(picking.name, charge.invoice_line_id.name)
            self.assertIn("Proof of Delivery 2026-11-25", charge.invoice_line_id.name)

    def test_detention_from_the_vehicle_arrival_whichever_report_comes_last(self):
        picking = self._done_picking()
        self._book(picking, tracking="JOB-9", carrier="tms-fleet", connector=self.best)
        arrived = dict(self._tracking_event("tms:JOB-9:3", "out_for_delivery", "2026-11-25T08:10:00Z", tracking="JOB-9"),
                       carrier_status="ARRIVED")
        # the POD first, the arrival after it: 2 h 20 min waited, 60 free: 2 started hours
        self._track("t-pod", self._tracking_event("tms:JOB-9:4", "delivered", "2026-11-25T10:30:00Z", tracking="JOB-9",
                                                  pod=POD), connector="tms-fleet")
        self.assertFalse(self._charges(picking).filtered(lambda c: c.charge_type == "detention"))
        self._track("t-arrived", arrived, connector="tms-fleet")
        self._track("t-arrived-again", arrived, connector="tms-fleet")
        detention = self._charges(picking).filtered(lambda c: c.charge_type == "detention")
        self.assertEqual(len(detention), 1)
        self.assertAlmostEqual(detention.amount, 80.0)
        self.assertIn("waited 140 min", detention.description)
        self.assertEqual(detention.state, "invoiced", "a per-shipment customer is invoiced at the milestone")

    def test_failed_delivery_charges_a_redelivery_per_attempt(self):
        picking = self._delivered_picking()
        failed = self._tracking_event("pf:1:5", "delivery_failed", "2026-11-24T15:00:00Z", reason="recipient_absent")
        self._track("f1", failed)
        self._track("f1-replayed", failed)
        redelivery = self._charges(picking)
        self.assertEqual(redelivery.mapped("charge_type"), ["redelivery"])
        self.assertAlmostEqual(redelivery.amount, 12.0)
        self.assertEqual(redelivery.state, "to_invoice", "invoiced with the shipment once it is delivered")
        self._deliver(picking)
        self.assertEqual(len(self._charges(picking).invoice_id), 1, "one invoice with the re-delivery and transport")
        self.assertEqual(redelivery.state, "invoiced")

    def test_return_fee_on_the_delivery_it_came_back_from(self):
        picking = self._delivered_picking()
        self._deliver(picking)
        wizard = self.env["stock.return.picking"].with_context(active_id=picking.id, active_model="stock.picking").create({})
        wizard.product_return_moves.quantity = 1
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        returned.move_ids.picked = True
        returned.button_validate()
        fee = self._charges(picking).filtered(lambda c: c.charge_type == "return")
        self.assertEqual(len(fee), 1)
        self.assertAlmostEqual(fee.amount, 15.0)
        self.assertEqual(fee.milestone, "returned")

    def test_a_shipment_no_lane_takes_is_an_exception_never_a_zero_invoice(self):
        berlin = self.env["res.partner"].create({"name": "Berlin", "country_id": self.env.ref("base.de").id,
                                                 "zip": "10115", "parent_id": self.customer.id, "type": "delivery"})
        order = self._create_order()
        order.partner_shipping_id = berlin
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self._book(picking)
        self._deliver(picking)
        self.assertFalse(self._charges(picking))
        exception = self.env["hub.exception"].search([("reason", "=", "not_rated"), ("res_id", "=", picking.id),
                                                      ("res_model", "=", "stock.picking")])
        self.assertEqual(len(exception), 1)
        self.assertIn("no lane for 7.5 kg to DE 10115", exception.description)

    def test_distance_band_lanes_price_the_route_distance_the_tms_planned(self):
        self.card.write({"line_ids": [
            fields.Command.create({"country_id": self.env.ref("base.de").id, "weight_from": 0, "weight_to": 50,
                                   "distance_from": 0, "distance_to": 300, "base_price": 40.0, "price_per_kg": 1.0}),
            fields.Command.create({"country_id": self.env.ref("base.de").id, "weight_from": 0, "weight_to": 50,
                                   "distance_from": 300, "distance_to": 900, "base_price": 90.0, "price_per_kg": 1.0}),
        ]})
        berlin = self.env["res.partner"].create({"name": "Berlin", "country_id": self.env.ref("base.de").id,
                                                 "zip": "10115", "parent_id": self.customer.id, "type": "delivery"})
        far, unknown = self._create_order(), self._create_order()
        for order in (far, unknown):
            order.partner_shipping_id = berlin
            order.action_confirm()
            order.picking_ids.move_ids.picked = True
            order.picking_ids.button_validate()
        far_picking, unknown_picking = far.picking_ids, unknown.picking_ids
        # the TMS planned 420 km for one; the other was booked without a distance
        event = self._outbound(far_picking, self.best)
        self._apply_results(self._result(event, shipment=dict(self._shipment("TMS-1"), distance_km=420)))
        self.assertEqual(far_picking.hub_distance_km, 420)
        self._book(unknown_picking, tracking="TMS-2")
        self._track("far", self._tracking_event("t:1", "delivered", "2026-11-25T10:30:00Z", tracking="TMS-1", pod=POD))
        self._track("unknown", self._tracking_event("t:2", "delivered", "2026-11-25T10:30:00Z", tracking="TMS-2", pod=POD))
        transport = self._charges(far_picking).filtered(lambda c: c.charge_type == "transport")
        self.assertAlmostEqual(transport.amount, 97.5, msg="the 300-900 km band: 90 + 1 x 7.5 kg")
        self.assertIn("300-900 km", transport.description)
        self.assertFalse(self._charges(unknown_picking))
        exception = self.env["hub.exception"].search([("reason", "=", "not_rated"), ("res_id", "=", unknown_picking.id),
                                                      ("res_model", "=", "stock.picking")])
        self.assertIn("its distance is not known", exception.description)

    def test_malformed_distance_from_a_partner_is_refused(self):
        picking = self._done_picking()
        event = self._outbound(picking, self.best)
        with self.assertRaises(ValidationError) as cm:
            self._apply_results(self._result(event, shipment=dict(self._shipment("TMS-3"), distance_km=-4)))
        self.assertIn("'distance_km' must be a number of at least 0", str(cm.exception))

    def test_an_order_in_another_currency_is_refused(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        self.card.currency_id = usd if self.env.company.currency_id != usd else self.env.ref("base.EUR")
        picking = self._delivered_picking()
        self._deliver(picking)
        self.assertFalse(self._charges(picking))
        exception = self.env["hub.exception"].search([("reason", "=", "not_rated"), ("res_id", "=", picking.id)])
        self.assertIn("is in", exception.description)

    def test_weekly_customer_gets_one_invoice_per_past_week(self):
        self.customer.hub_billing_policy = "weekly"
        self.customer.hub_billing_post = True
        first, second = self._delivered_picking("PF1"), self._delivered_picking("PF2")
        self._track("a", self._tracking_event("pf:a", "delivered", "2026-11-24T09:00:00Z", tracking="PF1", pod=POD))
        self._track("b", self._tracking_event("pf:b", "delivered", "2026-11-26T09:00:00Z", tracking="PF2", pod=POD))
        charges = self._charges(first) | self._charges(second)
        self.assertEqual(len(charges), 4)
        self.assertEqual(set(charges.mapped("state")), {"to_invoice"}, "waits for the week to end")
        Charge = self.env["hub.charge"]
        self.assertFalse(Charge._hub_cron_consolidate(today=date(2026, 11, 29)), "the week of the 23rd runs until Sunday")
        invoices = Charge._hub_cron_consolidate(today=date(2026, 11, 30))
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices.state, "posted", "the customer's policy posts")
        self.assertEqual(len(invoices.invoice_line_ids), 4, "one line per charge")
        self.assertEqual(invoices.invoice_line_ids.hub_charge_ids, charges)
        self.assertAlmostEqual(invoices.amount_untaxed, sum(charges.mapped("amount")))
        self.assertFalse(Charge._hub_cron_consolidate(today=date(2026, 12, 1)), "run again: nothing more")

    def test_external_billing_engine_gets_each_charge_once_and_its_invoice_number_comes_back(self):
        self.customer.hub_billing_policy = "external"
        engine = self._create_connector("billing-engine", "Billing Engine", ["charge.billable"], kind="billing",
                                        adapter="rest")
        picking = self._delivered_picking()
        self._deliver(picking)
        self._deliver(picking, message="w-pod-replayed")
        charges = self._charges(picking)
        self.assertEqual(sorted(charges.mapped("charge_type")), ["fuel", "transport"])
        self.assertFalse(charges.invoice_id, "Odoo does not invoice what the engine bills")
        events = self.env["hub.event"].browse()
        for charge in charges:
            event = self._events(charge, "charge.billable")
            self.assertEqual(event.connector_id, engine, "one message per charge, to the engine")
            self.assertEqual(event.payload["charge"]["key"], charge.occurrence_key, "the engine can dedupe on the key")
            self.assertEqual(event.payload["charge"]["amount"], charge.amount)
            self.assertEqual(event.payload["charge"]["shipment"]["name"], picking.name)
            events |= event
        self.assertEqual(set(charges.mapped("state")), {"to_invoice"})
        with self.assertRaises(UserError) as cm:
            charges.action_hub_invoice_now()
        self.assertIn("wait for its invoice number", str(cm.exception), "no second bill from Odoo while the engine may bill")

        transport = charges.filtered(lambda c: c.charge_type == "transport")
        fuel = charges - transport
        by_charge = {e.res_id: e for e in events}
        result = dict(self._result(by_charge[transport.id]), external_ref="ENG-2026-0001")
        self._apply_results(result, result)
        self.assertEqual(transport.external_invoice_ref, "ENG-2026-0001")
        self.assertEqual(transport.state, "invoiced")
        self.assertEqual(fuel.state, "to_invoice", "until the engine answers for it too")
        # a re-send the engine did not recognise gets another number: the first one stays
        self._apply_results(dict(self._result(by_charge[transport.id], attempt=2), external_ref="ENG-2026-0002"))
        self.assertEqual(transport.external_invoice_ref, "ENG-2026-0001")
        self.assertEqual(transport.hub_sync_badges[0]["external_ref"], "ENG-2026-0002", "what the engine said is visible")
        self.assertFalse(self.env["hub.charge"]._hub_cron_consolidate(today=date(2027, 1, 1)), "never consolidated in Odoo")

    def test_charges_of_other_customers_never_go_to_the_engine(self):
        self._create_connector("billing-engine", "Billing Engine", ["charge.billable"], kind="billing", adapter="rest")
        picking = self._delivered_picking()
        self._deliver(picking)
        charges = self._charges(picking)
        self.assertTrue(charges.invoice_id, "a per-shipment customer is invoiced in Odoo")
        self.assertFalse(self.env["hub.event"].search([("event_type", "=", "charge.billable")]))

    def test_rating_again_after_a_weight_correction_adds_a_correction(self):
        picking = self._delivered_picking()
        self._deliver(picking)
        invoiced = self._charges(picking)
        picking.shipping_weight = 20.0   # the carrier weighed 20 kg: 6 + 0.4 x 20 = 14.00, fuel 1.40
        picking.action_hub_rate_again()
        corrections = self._charges(picking) - invoiced
        self.assertEqual(sorted((c.charge_type, c.amount) for c in corrections), [("fuel", 0.5), ("transport", 5.0)])
        self.assertEqual(corrections.mapped("milestone"), ["correction", "correction"])
        self.assertEqual(invoiced.mapped("amount"), [9.0, 0.9] if invoiced[0].charge_type == "transport" else [0.9, 9.0],
                         "the invoiced charges are not edited")
        picking.action_hub_rate_again()
        self.assertEqual(self._charges(picking), invoiced | corrections, "rated again with nothing new: no charge")

    def test_a_lower_price_after_rating_again_is_credited(self):
        self.customer.hub_billing_post = True
        picking = self._delivered_picking()
        self._deliver(picking)
        invoice = self._charges(picking).invoice_id
        self.assertEqual(invoice.state, "posted")
        picking.shipping_weight = 1.0    # 5 + 0.5 x 1 = 5.50, raised to the minimum 8.00; fuel 0.80
        picking.action_hub_rate_again()
        corrections = self._charges(picking).filtered(lambda c: c.milestone == "correction")
        self.assertEqual(sorted(corrections.mapped("amount")), [-1.0, -0.1])
        credit = corrections.invoice_id
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"), "a credit note, not a negative invoice")
        self.assertAlmostEqual(credit.amount_untaxed, 1.1)
        self.assertEqual(credit.invoice_line_ids.hub_charge_ids, corrections)
        self.assertEqual(invoice.state, "posted", "the invoice stays as it was")

    def test_drift_repair_charges_a_delivery_missed_by_billing_once(self):
        self.card.active = False
        picking = self._delivered_picking()
        self._deliver(picking)
        self.assertFalse(self._charges(picking), "no card then")
        self.card.active = True
        item = {"res_model": "stock.picking", "res_id": picking.id, "connector_code": "parcelfast",
                "reason": "not_invoiced", "description": "delivered 48 h ago", "correlation_id": None, "event_uuid": None}
        self.env["hub.exception"].hub_report_drift([item])
        charges = self._charges(picking)
        self.assertEqual(len(charges), 2)
        self.assertEqual(len(charges.invoice_id), 1)
        self.env["hub.exception"].hub_report_drift([item])
        self.assertEqual(self._charges(picking), charges, "reported again: nothing more")


@tagged("post_install", "-at_install")
class TestFreightAudit(ShipmentCase):

    def _bill(self, bill_id, *lines, message_id=None, currency="EUR"):
        message = {"id": message_id or f"bill:{bill_id}", "type": "freight.bill", "correlation_id": None, "data": {
            "bill_id": bill_id, "issued_at": "2026-11-30T06:00:00Z", "currency": currency,
            "lines": [{"line_id": str(i + 1), "tracking_number": number, "amount": amount}
                      for i, (number, amount) in enumerate(lines)],
        }}
        return self.env["hub.event"].hub_apply_inbound("parcelfast", [message])

    def _variances(self):
        return self.env["hub.exception"].search([("reason", "=", "freight_variance")])

    def test_accepts_within_tolerance_and_raises_each_variance_with_the_numbers(self):
        self.env.ref("base.EUR").active = True
        first, second = self._done_picking(), self._done_picking()
        self._book(first, tracking="PF1")     # booked 7.45 EUR
        self._book(second, tracking="PF2")
        self.parcelfast.write({"freight_tolerance_amount": 0.10, "freight_tolerance_percent": 2.0})
        outcome = self._bill("B-100", ("PF1", 7.55), ("PF2", 9.45), ("PF404", 5.00), ("PF1", 7.45))
        self.assertEqual(outcome, [{"id": "bill:B-100", "outcome": "applied"}])
        bill = self.env["hub.freight.bill"].search([("name", "=", "B-100")])
        self.assertEqual(bill.line_ids.mapped("status"), ["accepted", "overcharge", "unknown_shipment", "duplicate"],
                         "7.55 is within 2 % of 7.45; 9.45 is not")
        self.assertEqual(bill.line_ids[0].picking_id, first)
        vendor_bill = bill.vendor_bill_id
        self.assertEqual((vendor_bill.move_type, vendor_bill.state, vendor_bill.ref), ("in_invoice", "draft", "B-100"))
        self.assertEqual(vendor_bill.invoice_line_ids.mapped("price_unit"), [7.55], "only the accepted line is paid")
        self.assertEqual(bill.line_ids[0].vendor_line_id, vendor_bill.invoice_line_ids, "each paid line names its bill line")
        self.assertEqual(vendor_bill.partner_id, self.parcelfast.freight_vendor_id)
        variances = self._variances()
        self.assertEqual(len(variances), 3)
        overcharge = variances.filtered(lambda e: "PF2" in e.description)
        self.assertIn("billed 9.45 EUR, booked 7.45 EUR, difference +2.00 (+26.8 %)", overcharge.description)
        self.assertIn("no shipment was booked", variances.filtered(lambda e: "PF404" in e.description).description)
        self.assertIn("billed again", variances.filtered(lambda e: "PF1" in e.description).description)

        # the same bill polled again, in the same or another message: nothing more
        self.assertEqual(self._bill("B-100", ("PF1", 7.55))[0]["outcome"], "duplicate")
        self.assertEqual(self._bill("B-100", ("PF1", 7.55), message_id="bill:B-100:again")[0]["outcome"], "duplicate")
        self.assertEqual(self.env["hub.freight.bill"].search_count([]), 1)
        self.assertEqual(len(self._variances()), 3)

        # a later bill charging PF1 again is a duplicate line, never paid twice
        self._bill("B-101", ("PF1", 7.45))
        later = self.env["hub.freight.bill"].search([("name", "=", "B-101")])
        self.assertEqual(later.line_ids.status, "duplicate")
        self.assertFalse(later.vendor_bill_id)

    def test_malformed_bills_are_refused_with_a_clear_error(self):
        for data, error in (
            ({"bill_id": "B", "issued_at": "2026-11-30T06:00:00Z", "currency": "EUR", "lines": []}, "'lines' must be a list"),
            ({"bill_id": "B", "issued_at": "yesterday", "currency": "EUR", "lines": [{}]}, "'issued_at' is not an ISO"),
            ({"bill_id": "B", "issued_at": "2026-11-30T06:00:00Z", "currency": "EUR",
              "lines": [{"line_id": "1", "tracking_number": "PF1", "amount": "7.45"}]}, "'amount' must be a number"),
            ({"bill_id": "B", "issued_at": "2026-11-30T06:00:00Z", "currency": "XXX",
              "lines": [{"line_id": "1", "tracking_number": "PF1", "amount": 1}]}, "unknown currency"),
        ):
            with self.subTest(error):
                outcome = self.env["hub.event"].hub_apply_inbound("parcelfast", [
                    {"id": f"bad:{error}", "type": "freight.bill", "correlation_id": None, "data": data}])
                self.assertEqual(outcome[0]["outcome"], "error")
                self.assertIn(error, outcome[0]["error"])
        self.assertFalse(self.env["hub.freight.bill"].search_count([]))
