"""The websocket answer for a path no app serves."""

from channels.generic.websocket import AsyncWebsocketConsumer

# Close code for "nothing to watch here" (unknown path, unknown or draft campaign).
# It is sent after accepting: a refusal before accepting reaches a browser as a
# bare 403 handshake failure (close code 1006), which a page cannot tell apart
# from a network error and would keep retrying.
NOT_FOUND = 4404


async def close_not_found(consumer) -> None:
    await consumer.accept()
    await consumer.close(code=NOT_FOUND)


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any websocket path no route matches (a non-UUID campaign id, a typo):
    accepted and closed with 4404, instead of the router's exception (a 500)."""

    async def connect(self) -> None:
        await close_not_found(self)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        return None
