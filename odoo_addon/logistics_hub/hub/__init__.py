"""Framework-neutral rules of the hub (no ORM import here), kept apart from the Odoo glue in models/."""
from . import clock, envelope, incidents, lifecycle, messages, status
