from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..hub.rating import Lane, bracket_problems, rate


class HubRateCard(models.Model):
    """A contract's prices for transport and its surcharges, per customer (or the default card).

    How a price is composed is in hub/rating.py; what is charged when, in hub.charge.
    """

    _name = "hub.rate.card"
    _description = "Logistics Hub Rate Card"
    _inherit = ["mail.thread"]
    _order = "partner_id, service_level, date_from desc, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", tracking=True, index=True,
        help="Empty: the default card, for customers without a card of their own.",
    )
    service_level = fields.Char(
        tracking=True, help="Optional, e.g. Express: a shipment booked with this carrier service uses this card.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, tracking=True, default=lambda self: self.env.company.currency_id,
        help="Shipments are charged in this currency; an order in another currency is not rated.",
    )
    date_from = fields.Date(string="Valid From", required=True, default=fields.Date.context_today, tracking=True)
    date_to = fields.Date(string="Valid Until", tracking=True, help="Empty: valid until a later card replaces it.")
    volumetric_divisor = fields.Integer(
        string="Dimensional Divisor", default=5000, required=True,
        help="cm³ per kg: the dimensional weight is the volume in cm³ divided by this; the larger of it and "
             "the actual weight is billed.",
    )
    minimum_charge = fields.Monetary(help="Transport is never charged less than this.")
    line_ids = fields.One2many("hub.rate.card.line", "card_id", string="Lanes", copy=True)
    remote_area_ids = fields.One2many("hub.rate.card.remote", "card_id", string="Remote Areas", copy=True)
    remote_area_fee = fields.Monetary(help="Added to shipments to a postcode in a remote area.")
    fuel_surcharge = fields.Boolean(
        default=True, help="Add the fuel index percentage (Logistics Hub > Billing > Fuel Index) valid on the "
                           "shipment date to transport and remote area.",
    )
    detention_free_minutes = fields.Integer(
        default=60, help="Waiting at the delivery address from the vehicle's arrival (TMS ARRIVED) to the "
                         "proof of delivery that is free.",
    )
    detention_hourly_rate = fields.Monetary(help="Per started hour of waiting beyond the free time.")
    redelivery_fee = fields.Monetary(help="Per failed delivery attempt reported by the carrier.")
    return_fee = fields.Monetary(help="Per customer return received at the warehouse.")

    @api.constrains("line_ids", "remote_area_ids", "volumetric_divisor")
    def _check_lines(self):
        """Every weight of every lane priced once, never cheaper when heavier (hub/rating.py); checked on
        the card, so a lane edited in the card's list is judged with its siblings as saved together."""
        for card in self:
            if card.volumetric_divisor <= 0:
                raise ValidationError(_("Rate card %s: the dimensional divisor must be positive.", card.name))
            problems = bracket_problems(card._hub_lanes())
            if problems:
                raise ValidationError(_("Rate card %(card)s cannot be saved:\n%(problems)s",
                                        card=card.name, problems="\n".join(f"- {p}" for p in problems)))

    @api.constrains("partner_id", "service_level", "date_from", "date_to", "company_id", "active")
    def _check_validity(self):
        for card in self.filtered("active"):
            if card.date_to and card.date_to < card.date_from:
                raise ValidationError(_("Rate card %s ends before it starts.", card.name))
            others = self.search([
                ("id", "!=", card.id), ("company_id", "=", card.company_id.id),
                ("partner_id", "=", card.partner_id.id), ("service_level", "=", card.service_level or False),
                "|", ("date_to", "=", False), ("date_to", ">=", card.date_from),
            ])
            clash = others.filtered(lambda other: not card.date_to or other.date_from <= card.date_to)[:1]
            if clash:
                raise ValidationError(_(
                    "Rate cards %(card)s and %(other)s are valid at the same time (%(other_from)s to %(other_to)s) "
                    "for %(who)s: end one before the other starts.",
                    card=card.name, other=clash.name, other_from=clash.date_from, other_to=clash.date_to or _("open"),
                    who=card.partner_id.display_name or _("the default card"),
                ))

    def _hub_lanes(self):
        self.ensure_one()
        return [
            Lane(line.display_name, line.country_id.code or None, line.zip_from or "", line.zip_to or "",
                 line.weight_from, line.weight_to, line.base_price, line.price_per_kg,
                 line.distance_from, line.distance_to)
            for line in self.line_ids
        ]

    @api.model
    def _hub_card_for(self, partner, on_date, company, service_level=None):
        """The card valid on ``on_date`` for the customer (its commercial entity), else the default card;
        a card of the shipment's service level before one without."""
        domain = [
            ("company_id", "=", company.id), ("date_from", "<=", on_date),
            "|", ("date_to", "=", False), ("date_to", ">=", on_date),
        ]
        levels = [service_level, False] if service_level else [False]
        for customer in (partner.commercial_partner_id, self.env["res.partner"]):
            for level in levels:
                card = self.sudo().search(domain + [("partner_id", "=", customer.id), ("service_level", "=", level)],
                                          limit=1)
                if card:
                    return card
        return self.browse()

    def _hub_fuel_percent(self, on_date):
        self.ensure_one()
        if not self.fuel_surcharge:
            return 0.0
        index = self.env["hub.fuel.index"].sudo().search(
            [("company_id", "=", self.company_id.id), ("date_from", "<=", on_date)], order="date_from desc", limit=1)
        return index.percent

    def _hub_rate(self, country, zip_code, weight_kg, volume_cm3, on_date, distance_km=None):
        """Rated components (hub/rating.py Rated); UserError when no lane takes the shipment."""
        self.ensure_one()
        rated = rate(
            self._hub_lanes(), country.code if country else None, zip_code, weight_kg, volume_cm3,
            self.volumetric_divisor, self.minimum_charge,
            [(r.country_id.code or None, r.zip_from or "", r.zip_to or "") for r in self.remote_area_ids],
            self.remote_area_fee, self._hub_fuel_percent(on_date), distance_km=distance_km,
        )
        if rated is None:
            if distance_km is None and any(line.distance_to for line in self.line_ids):
                distance = _(" (its distance is not known: lanes priced by distance band cannot take it)")
            else:
                distance = _(" over %s km", distance_km) if distance_km is not None else ""
            raise UserError(_(
                "Rate card %(card)s has no lane for %(weight)s kg to %(country)s %(zip)s%(distance)s.",
                card=self.name, weight=round(max(weight_kg or 0.0, (volume_cm3 or 0.0) / self.volumetric_divisor), 3),
                country=country.code if country else "?", zip=zip_code or "", distance=distance,
            ))
        return rated

    def _hub_round(self, amount):
        return self.currency_id.round(amount)


class HubRateCardLine(models.Model):
    _name = "hub.rate.card.line"
    _description = "Logistics Hub Rate Card Lane"
    _order = "card_id, country_id, zip_from, weight_from, id"

    card_id = fields.Many2one("hub.rate.card", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="card_id.currency_id")
    country_id = fields.Many2one("res.country", string="Country", help="Empty: every destination country.")
    zip_from = fields.Char(string="Postcode From", help="Empty range: the whole country.")
    zip_to = fields.Char(string="Postcode To")
    weight_from = fields.Float(string="Above (kg)", digits=(16, 3), default=0.0)
    weight_to = fields.Float(string="Up To (kg)", digits=(16, 3), required=True)
    distance_from = fields.Float(string="Above (km)", digits=(16, 1), default=0.0)
    distance_to = fields.Float(
        string="Up To (km)", digits=(16, 1), default=0.0,
        help="A distance band: the line takes shipments whose route distance (the TMS's planned distance, or "
             "the one set on the delivery) lies in it. 0: any distance.")
    base_price = fields.Monetary(string="Base")
    price_per_kg = fields.Monetary(string="Per kg")

    @api.depends("country_id", "zip_from", "zip_to", "weight_from", "weight_to", "distance_from", "distance_to")
    def _compute_display_name(self):
        for line in self:
            zips = f" {line.zip_from or ''}-{line.zip_to or ''}" if line.zip_from or line.zip_to else ""
            band = f" {line.distance_from:g}-{line.distance_to:g} km" if line.distance_to else ""
            line.display_name = (f"{line.country_id.code or _('any')}{zips}{band} "
                                 f"{line.weight_from:g}-{line.weight_to:g} kg")


class HubRateCardRemote(models.Model):
    _name = "hub.rate.card.remote"
    _description = "Logistics Hub Rate Card Remote Area"

    card_id = fields.Many2one("hub.rate.card", required=True, ondelete="cascade", index=True)
    country_id = fields.Many2one("res.country", string="Country")
    zip_from = fields.Char(string="Postcode From", required=True)
    zip_to = fields.Char(string="Postcode To", required=True)


class HubFuelIndex(models.Model):
    """The fuel surcharge percentage, dated: a shipment takes the one valid on its date."""

    _name = "hub.fuel.index"
    _description = "Logistics Hub Fuel Index"
    _order = "date_from desc"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date(string="Valid From", required=True, default=fields.Date.context_today)
    percent = fields.Float(string="Surcharge (%)", digits=(16, 2), required=True)

    _sql_constraints = [
        ("date_unique", "UNIQUE(company_id, date_from)", "One fuel index per day."),
        ("percent_positive", "CHECK(percent >= 0)", "The fuel surcharge cannot be negative."),
    ]
