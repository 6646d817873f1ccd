from collections import defaultdict

from odoo import models

from ..hub.channels import SYNC_CHANNEL_PREFIX, parse_sync_channel, sync_channel


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """Keep only the sync channels of records the user may follow.

        Browsers choose their string channels freely and a record's channel name is guessable, while
        its notifications carry the record's sync status and last partner error: a channel is kept
        for Hub Users who may read the record, and silently dropped otherwise.
        """
        return super()._build_bus_channel_list(self._hub_filter_channels(channels))

    def _hub_filter_channels(self, channels):
        hub_channels = [c for c in channels if isinstance(c, str) and c.startswith(SYNC_CHANNEL_PREFIX)]
        if not hub_channels:
            return channels
        allowed = self._hub_followable_channels(hub_channels)
        return [c for c in channels if c not in hub_channels or c in allowed]

    def _hub_followable_channels(self, channels):
        if not self.env.user.has_group("logistics_hub.group_hub_user"):
            return set()
        synced = {name for name, _label in self.env["hub.sync.mixin"]._hub_synced_models()}
        ids_by_model = defaultdict(set)
        for channel in channels:
            parsed = parse_sync_channel(channel)
            if parsed and parsed[0] in synced:
                ids_by_model[parsed[0]].add(parsed[1])
        allowed = set()
        for model, ids in ids_by_model.items():
            readable = self.env[model].browse(ids).exists()._filtered_access("read")
            allowed.update(sync_channel(model, res_id) for res_id in readable.ids)
        return allowed
