"""The partner messages the hub applies: their types, labels, and which hub.event method applies each."""
from .messages import MessageError
from .status import FULFILMENT_STAGES

# What people call the partner messages the hub receives (outbound types are labelled by hub.route).
INBOUND_TYPE_LABELS = {
    "fulfilment.picked": "Picked by the warehouse",
    "fulfilment.packed": "Packed by the warehouse",
    "fulfilment.shipped": "Shipped by the warehouse",
    "shipment.tracking": "Tracking update",
    "freight.bill": "Carrier freight bill",
}

# The dispatch table: message type -> hub.event method, each called as method(connector, message, context).
# A new inbound type is a row here plus its method; a type without a row is refused, never guessed.
INBOUND_APPLIERS = {
    **{message_type: "_hub_apply_fulfilment" for message_type in FULFILMENT_STAGES},
    "shipment.tracking": "_hub_apply_tracking",
    "freight.bill": "_hub_apply_freight_bill",
}


def inbound_applier(message_type):
    """The hub.event method that applies a message of ``message_type``; MessageError when there is none."""
    applier = INBOUND_APPLIERS.get(message_type)
    if applier is None:
        raise MessageError(
            f"unsupported message type {message_type!r}: expected one of {', '.join(INBOUND_APPLIERS)}"
        )
    return applier
