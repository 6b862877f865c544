import httpx


async def test_it_creates_a_heartbeat_and_takes_its_first_ping(app_client: httpx.AsyncClient):
    made = await app_client.post("/api/v1/heartbeats", json={"name": "backup", "period": 60})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    pinged = await app_client.get(f"/api/v1/heartbeat/{token}")
    assert pinged.status_code == 200
    shown = await app_client.get(f"/api/v1/heartbeats/{made.json()['id']}")
    assert shown.json()["status"] == "up"
