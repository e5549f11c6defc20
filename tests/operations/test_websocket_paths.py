"""Every websocket path gets a websocket answer: unknown paths and non-UUID
campaign ids close with 4404 like unknown campaigns, never a 500."""

import sys
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from config import processes
from tests.campaigns.factories import make_campaign
from tests.operations import procs

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
CLOSED_4404 = {"type": "websocket.close", "code": 4404}


def application():
    from config.asgi import application

    return application


def _first_answer(path: str, headers=HEADERS):
    async def body():
        ws = WebsocketCommunicator(application(), path, headers=headers)
        connected, code = await ws.connect()
        answer = await ws.receive_output() if connected else None
        await ws.wait()
        return connected, code, answer

    return async_to_sync(body)()


@pytest.mark.parametrize(
    "path",
    [
        "/ws/campaigns/not-a-uuid/",
        "/ws/campaigns/123/",
        "/ws/campaigns/",
        "/ws/campaigns/00000000-0000-0000-0000-000000000000/extra/",
        "/ws/nothing-here/",
        "/",
    ],
)
def test_an_unrouted_path_is_accepted_and_closed_with_4404(path):
    connected, _, answer = _first_answer(path)

    assert connected
    assert answer == CLOSED_4404


@pytest.mark.parametrize("kind", ["unknown", "draft"])
def test_an_unknown_or_draft_campaign_closes_with_4404(kind):
    campaign_id = uuid.uuid4() if kind == "unknown" else make_campaign(status="draft").pk

    connected, _, answer = _first_answer(f"/ws/campaigns/{campaign_id}/")

    assert connected
    assert answer == CLOSED_4404


def test_an_active_campaign_still_connects():
    campaign = make_campaign()

    connected, _, answer = _first_answer(f"/ws/campaigns/{campaign.pk}/")

    assert connected
    assert answer["type"] == "websocket.send"
    assert '"connected"' in answer["text"]


def test_a_foreign_origin_is_still_refused_before_accepting():
    connected, _, _ = _first_answer(
        "/ws/campaigns/not-a-uuid/",
        headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")],
    )

    assert not connected


def test_through_uvicorn_the_browser_sees_close_code_4404(tmp_path):
    """What a browser sees: the close code, not a refused handshake."""
    websockets_client = pytest.importorskip("websockets.sync.client")
    from websockets.exceptions import ConnectionClosed

    port = procs.free_port()
    log = tmp_path / "ws.log"
    env = procs.production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'ws.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
    )
    proc = procs.start(processes.ws(host="127.0.0.1", port=port, python=sys.executable), env, log)
    codes = []
    try:
        procs.wait_until_listening(proc, port, log)
        for path in ("/ws/campaigns/not-a-uuid/", "/ws/elsewhere/"):
            with websockets_client.connect(
                f"ws://127.0.0.1:{port}{path}", origin="http://127.0.0.1", open_timeout=10
            ) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=10)
                codes.append(closed.value.rcvd.code)
    finally:
        procs.stop(proc)

    assert codes == [4404, 4404], log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()
