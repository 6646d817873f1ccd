"""What moves a business process: the signals, the compensations and the states (docs/architecture.md, "Processes").

A signal is a milestone the hub already sees, named once here: an event Odoo emits, a partner's result
or callback, a person's decision. The code points that see them call ``hub.process._hub_signal``.
A process definition step lists the signals that complete it and those that fail it.
"""

SIGNALS = {
    # order-to-delivery
    "order.confirmed": "Order confirmed",
    "order.cancelled": "Order cancelled",
    "warehouse.acknowledged": "Warehouse acknowledged the delivery",
    "warehouse.rejected": "Warehouse refused the delivery",
    "fulfilment.picked": "Picked by the warehouse",
    "fulfilment.packed": "Packed by the warehouse",
    "fulfilment.shipped": "Shipped by the warehouse",
    "picking.done": "Delivery validated in Odoo",
    "shipment.booked": "Carrier booked",
    "shipment.booking_failed": "No carrier booked the shipment",
    "shipment.in_transit": "In transit",
    "shipment.delivered": "Delivered with proof of delivery",
    "shipment.delivery_failed": "Delivery failed",
    "invoice.posted": "Invoice posted",
    "delivery.dead": "A message to a partner was dead-lettered",
    # return-to-refund
    "return.authorised": "Return authorised",
    "return.label_created": "Return label created",
    "return.received": "Return received at the warehouse",
    "refund.posted": "Credit note posted",
    # a person's decision on a step that waits for approval (hub.process.action_approve / action_reject)
    "approval.granted": "Approved",
    "approval.rejected": "Rejected",
}

# What undoes a completed step when a later one fails for good. Partner compensations are outbound
# hub.events to the connector the step's completing signal came from (delivered, retried and
# deduplicated like any event); Odoo compensations run in the transaction that starts compensating.
COMPENSATION_SELECTION = [
    ("none", "Nothing"),
    ("cancel_fulfilment", "Cancel the fulfilment at the warehouse"),
    ("void_label", "Void the carrier label"),
    ("unreserve_stock", "Unreserve stock"),
]
COMPENSATION_EVENT_TYPES = {
    "cancel_fulfilment": "fulfilment.cancel",
    "void_label": "shipment.void",
}

PROCESS_STATE_SELECTION = [
    ("running", "Running"),
    ("completed", "Completed"),
    ("compensating", "Compensating"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# A process in one of these takes no more signals: they are kept in its log as ignored.
FINISHED_STATES = ("completed", "failed", "cancelled")

STEP_STATE_SELECTION = [
    ("pending", "Pending"),
    ("active", "In Progress"),
    ("done", "Done"),
    # completed by a later milestone (a carrier that never scanned "in transit" still delivered)
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("compensating", "Compensating"),
    ("compensated", "Compensated"),
]

SLA_KIND_SELECTION = [
    ("none", "No deadline"),
    ("duration", "Duration"),
    ("cutoff", "Daily cut-off time"),
]

BREACH_POLICY_SELECTION = [
    ("escalate", "Escalate"),
    ("compensate", "Fail the process and compensate"),
]

SIGNAL_OUTCOME_SELECTION = [
    ("applied", "Applied"),
    ("duplicate", "Duplicate"),
    ("late", "Late (step already past)"),
    ("ignored", "Ignored (no matching step)"),
    ("finished", "Ignored (process finished)"),
]


def parse_signals(text):
    """The signal codes of a comma-separated step field, stripped, in order, without blanks."""
    return [code.strip() for code in (text or "").split(",") if code.strip()]


def unknown_signals(text):
    return [code for code in parse_signals(text) if code not in SIGNALS]
