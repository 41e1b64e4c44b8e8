"""The built web app is served at / beside the API, without shadowing any API path."""

import httpx
import pytest

from api import webapp
from api.main import create_app


@pytest.fixture
def dist(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Refloop</title><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    monkeypatch.setattr(webapp, "DIST", tmp_path)
    return tmp_path


async def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_root_and_client_side_routes_get_the_app(dist):
    async with await _client(create_app()) as client:
        for path in ("/", "/referrals/4f1c9a2e-1111-4222-8333-444455556666", "/dashboard?period=30d"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert "<div id=root>" in response.text
            assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_served_and_cached_for_long(dist):
    async with await _client(create_app()) as client:
        response = await client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert "immutable" in response.headers["cache-control"]


async def test_unknown_api_paths_stay_problem_json_not_html(dist):
    async with await _client(create_app()) as client:
        for path in ("/v1/no-such-thing", "/fhir/R4/NoSuchResource/1", "/assets/missing.js"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "<div id=root>" not in response.text, path
        health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.headers["content-type"].startswith("application/json")


async def test_a_wrong_method_on_an_api_route_is_still_405(dist):
    async with await _client(create_app()) as client:
        response = await client.get("/v1/referrals/4f1c9a2e-1111-4222-8333-444455556666/transitions")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_without_a_build_nothing_is_mounted(tmp_path, monkeypatch):
    monkeypatch.setattr(webapp, "DIST", tmp_path / "missing")
    async with await _client(create_app()) as client:
        response = await client.get("/")
    assert response.status_code == 404
