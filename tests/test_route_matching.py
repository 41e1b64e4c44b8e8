"""Every documented route is reached by its own path and method: routers that skip paths outside
their prefix (api/prefixed.py) must never skip one of their own."""

import re

import httpx

_PARAMETER = re.compile(r"\{[^}]+\}")
ANY_ID = "00000000-0000-4000-8000-000000000001"


def _route_missing(response: httpx.Response) -> bool:
    if response.status_code == 405:
        return True
    problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    return response.status_code == 404 and str(problem.get("type", "")).endswith("/http-404")


async def test_every_documented_route_is_reached_by_its_own_path(app, client):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    missing = []
    # Without a token: each route's guard answers before its handler does anything.
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as anonymous:
        for template, operations in app.openapi()["paths"].items():
            path = _PARAMETER.sub(ANY_ID, template)
            for method in operations:
                response = await anonymous.request(method.upper(), path)
                if _route_missing(response):
                    missing.append(f"{method.upper()} {template}: {response.status_code}")
    assert missing == []


async def test_a_path_under_no_router_is_still_a_plain_404(client):
    response = await client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/http-404")
