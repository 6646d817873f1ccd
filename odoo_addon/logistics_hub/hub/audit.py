"""Freight audit: is a carrier's billed amount the booked price, within the carrier's tolerance?"""


def within_tolerance(billed, booked, tolerance_amount, tolerance_percent):
    """A bill line is accepted when it charges no more than booked plus the larger of the two tolerances
    (an amount, a percentage of the booked price); billing less is accepted."""
    allowed = max(tolerance_amount or 0.0, booked * (tolerance_percent or 0.0) / 100.0)
    return billed - booked <= allowed + 1e-9


def variance_text(tracking, billed, booked, currency, tolerance_amount, tolerance_percent):
    """The numbers side by side, as finance reads them."""
    difference = billed - booked
    percent = f" ({difference / booked * 100:+.1f} %)" if booked else ""
    return (f"{tracking}: billed {billed:.2f} {currency}, booked {booked:.2f} {currency}, difference "
            f"{difference:+.2f}{percent}; tolerance {tolerance_amount or 0:.2f} {currency} or {tolerance_percent or 0:g} %")
