"""Rating a shipment against a contract rate card, without the ORM (models/hub_rate_card.py reads the card).

The order in which a price is composed (README, "Billing"), each step on the result of the ones before:
  1. billable weight = the larger of the actual weight and the dimensional weight (volume cm³ / divisor);
  2. the lane line: the destination country, the postcode range when the line has one, the distance band
     ``km_from < distance <= km_to`` when the line has one (a shipment without a known distance matches
     no banded line), and the weight bracket ``weight_from < billable <= weight_to`` (a first bracket or
     band starting at 0 also takes 0);
  3. transport = base + per kg x billable weight, raised to the card's minimum charge;
  4. remote area: a flat fee when the destination postcode lies in one of the card's remote ranges;
  5. fuel: the fuel index percentage valid on the shipment date, of transport + remote area.
Every step is non-decreasing in the weight and a card's brackets are checked to join without a drop
(``bracket_problems``), so a heavier shipment never costs less on one card.
"""
from collections import namedtuple

Lane = namedtuple("Lane", "name country zip_from zip_to weight_from weight_to base per_kg km_from km_to",
                  defaults=(0.0, 0.0))
Rated = namedtuple("Rated", "lane billable_weight dimensional_weight transport minimum_applied remote fuel fuel_percent")


def normalize_zip(value):
    return (value or "").replace(" ", "").upper()


def zip_in_range(zip_code, zip_from, zip_to):
    """Whether a postcode lies in [zip_from, zip_to], compared on as many leading characters as each
    bound has: "3011 AB" lies in 3000-3999, "75008" in 75-75. An empty range holds every postcode."""
    if not zip_from and not zip_to:
        return True
    code = normalize_zip(zip_code)
    low, high = normalize_zip(zip_from), normalize_zip(zip_to)
    if not code:
        return False
    return (not low or code[:len(low)] >= low) and (not high or code[:len(high)] <= high)


def billable_weight(weight_kg, volume_cm3, divisor):
    dimensional = (volume_cm3 or 0.0) / divisor if divisor else 0.0
    return max(weight_kg or 0.0, dimensional), dimensional


def lane_price(lane, weight):
    return lane.base + lane.per_kg * weight


def banded(lane):
    """Whether the line prices a distance band (km_to set); else it takes any distance."""
    return bool(lane.km_to)


def in_band(lane, distance_km):
    if not banded(lane):
        return True
    if distance_km is None:
        return False
    return lane.km_from < distance_km <= lane.km_to or (distance_km == 0 and lane.km_from == 0)


def find_lane(lanes, country, zip_code, weight, distance_km=None):
    for lane in lanes:
        if lane.country and lane.country != country:
            continue
        if not zip_in_range(zip_code, lane.zip_from, lane.zip_to):
            continue
        if not in_band(lane, distance_km):
            continue
        if lane.weight_from < weight <= lane.weight_to or (weight == 0 and lane.weight_from == 0):
            return lane
    return None


def rate(lanes, country, zip_code, weight_kg, volume_cm3, divisor, minimum, remote_ranges, remote_fee, fuel_percent,
         distance_km=None):
    """The price of one shipment, by component, or None when no lane line takes it (never a zero price)."""
    billable, dimensional = billable_weight(weight_kg, volume_cm3, divisor)
    lane = find_lane(lanes, country, zip_code, billable, distance_km)
    if lane is None:
        return None
    transport = lane_price(lane, billable)
    minimum_applied = transport < (minimum or 0.0)
    transport = max(transport, minimum or 0.0)
    remote = remote_fee if remote_fee and any(
        (not r_country or r_country == country) and zip_in_range(zip_code, low, high)
        for r_country, low, high in remote_ranges
    ) else 0.0
    fuel = (transport + remote) * (fuel_percent or 0.0) / 100.0
    return Rated(lane, billable, dimensional, transport, minimum_applied, remote, fuel, fuel_percent or 0.0)


def _ranges_overlap(a_from, a_to, b_from, b_to):
    """Postcode ranges overlap; an empty range is the whole country."""
    if not (a_from or a_to) or not (b_from or b_to):
        return True
    a_low, a_high, b_low, b_high = (normalize_zip(v) for v in (a_from, a_to, b_from, b_to))
    width = max(len(a_low), len(a_high), len(b_low), len(b_high))
    a_low, b_low = a_low.ljust(width, "0"), b_low.ljust(width, "0")
    a_high, b_high = a_high.ljust(width, "Z"), b_high.ljust(width, "Z")
    return a_low <= b_high and b_low <= a_high


def _bands_overlap(a, b):
    """Distance bands overlap; a line without a band takes every distance."""
    if not banded(a) or not banded(b):
        return True
    return a.km_from < b.km_to and b.km_from < a.km_to


def bracket_problems(lanes):
    """Why a card's lane lines cannot price every weight once and without a drop, each naming the lines:
    overlapping brackets of one lane, a gap between brackets (or a first one not starting at 0), a
    heavier bracket that starts cheaper than the lighter one ends, an empty bracket, a negative price."""
    problems = []
    for lane in lanes:
        if lane.weight_to <= lane.weight_from:
            problems.append(f"{lane.name}: the bracket {lane.weight_from:g}-{lane.weight_to:g} kg is empty")
        if lane.base < 0 or lane.per_kg < 0:
            problems.append(f"{lane.name}: prices cannot be negative")
        if normalize_zip(lane.zip_from) and normalize_zip(lane.zip_to) \
                and normalize_zip(lane.zip_from) > normalize_zip(lane.zip_to):
            problems.append(f"{lane.name}: the postcode range {lane.zip_from}-{lane.zip_to} is reversed")
        if lane.km_from < 0 or (banded(lane) and lane.km_to <= lane.km_from) or (lane.km_from and not banded(lane)):
            problems.append(f"{lane.name}: the distance band {lane.km_from:g}-{lane.km_to:g} km is empty")
    for i, a in enumerate(lanes):
        for b in lanes[i + 1:]:
            same_lane = a.country == b.country and _ranges_overlap(a.zip_from, a.zip_to, b.zip_from, b.zip_to) \
                and _bands_overlap(a, b)
            if same_lane and a.weight_from < b.weight_to and b.weight_from < a.weight_to:
                problems.append(f"{a.name} and {b.name} overlap: both price {max(a.weight_from, b.weight_from):g}-"
                                f"{min(a.weight_to, b.weight_to):g} kg to the same destinations")
    by_zone = {}
    for lane in lanes:
        zone = (lane.country, normalize_zip(lane.zip_from), normalize_zip(lane.zip_to), lane.km_from, lane.km_to)
        by_zone.setdefault(zone, []).append(lane)
    for zone_lanes in by_zone.values():
        zone_lanes.sort(key=lambda lane: lane.weight_from)
        if zone_lanes[0].weight_from != 0:
            problems.append(f"{zone_lanes[0].name}: the first bracket of its lane starts at "
                            f"{zone_lanes[0].weight_from:g} kg, not 0 kg")
        for lighter, heavier in zip(zone_lanes, zone_lanes[1:]):
            if heavier.weight_from > lighter.weight_to:
                problems.append(f"{lighter.name} and {heavier.name} leave a gap: nothing prices "
                                f"{lighter.weight_to:g}-{heavier.weight_from:g} kg")
            elif heavier.weight_from == lighter.weight_to \
                    and lane_price(heavier, heavier.weight_from) < lane_price(lighter, lighter.weight_to) - 1e-9:
                problems.append(f"{heavier.name} starts cheaper than {lighter.name} ends at {lighter.weight_to:g} kg: "
                                f"a heavier shipment would cost less")
    problems.extend(_band_gaps(by_zone))
    return problems


def _band_gaps(by_zone):
    """The distance bands of one destination must join from 0 km: a distance between two bands would
    match no line."""
    problems = []
    bands_by_area = {}
    for (country, zip_from, zip_to, km_from, km_to), zone_lanes in by_zone.items():
        if km_to:
            bands_by_area.setdefault((country, zip_from, zip_to), []).append((km_from, km_to, zone_lanes[0].name))
    for bands in bands_by_area.values():
        bands.sort()
        if bands[0][0] != 0:
            problems.append(f"{bands[0][2]}: the first distance band of its lane starts at {bands[0][0]:g} km, not 0 km")
        for (_low, nearer_to, nearer), (farther_from, _high, farther) in zip(bands, bands[1:]):
            if farther_from > nearer_to:
                problems.append(f"{nearer} and {farther} leave a gap: nothing prices {nearer_to:g}-{farther_from:g} km")
    return problems
