"""Bus channels through which browsers follow a record's sync status (the OWL sync badges)."""
import re

SYNC_NOTIFICATION_TYPE = "logistics_hub.sync"
# The processes of a sale order or a return, sent on the same per-record channel (owl_ui/src/process_card).
PROCESS_NOTIFICATION_TYPE = "logistics_hub.process"
SYNC_CHANNEL_PREFIX = "logistics_hub.sync/"
_SYNC_CHANNEL_RE = re.compile(r"logistics_hub\.sync/([a-z0-9_.]+)/([1-9][0-9]{0,18})")


def sync_channel(model, res_id):
    """``logistics_hub.sync/<model>/<id>``: the channel of one record (owl_ui/src/core/sync_status.ts)."""
    return f"{SYNC_CHANNEL_PREFIX}{model}/{res_id}"


def parse_sync_channel(channel):
    """``(model, id)`` of a sync channel, or None when ``channel`` is not a well-formed one."""
    match = _SYNC_CHANNEL_RE.fullmatch(channel) if isinstance(channel, str) else None
    return (match[1], int(match[2])) if match else None
