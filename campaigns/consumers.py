"""Live progress of one campaign over a websocket.

Read-only for clients: the server pushes `connected` on connect, then
`new_donation` after every committed donation and `donation_refunded` after a
refund (both with the campaign's new totals). Messages from clients are ignored.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from campaigns.models import Campaign
from campaigns.services import campaign_group_name
from config.consumers import close_not_found
from config.metrics import websocket_opened


@database_sync_to_async
def _watchable(campaign_id) -> bool:
    # Drafts are never broadcast, to anyone: nobody outside staff may see them.
    return Campaign.objects.filter(pk=campaign_id).exclude(status=Campaign.Status.DRAFT).exists()


class CampaignProgressConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        campaign_id = self.scope["url_route"]["kwargs"]["campaign_id"]
        if not await _watchable(campaign_id):
            # Accepted, then closed with 4404: the page sees the code and stops
            # reconnecting (config.consumers).
            await close_not_found(self)
            return
        self.group = campaign_group_name(campaign_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self._counted = websocket_opened()
        await self.send_json({"type": "connected", "campaign_id": str(campaign_id)})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "_counted", None):
            self._counted()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        return None  # the stream is one-way; whatever a client sends is ignored

    async def campaign_event(self, event: dict) -> None:
        await self.send_json(event["payload"])
