"""Serves the built web app (frontend/dist) at /, with index.html for client-side routes.

Mounted after every API route, so /v1, /fhir/R4, /docs and the health endpoints always win.
An unknown path under an API prefix stays a problem+json 404 instead of turning into the app's HTML.
"""

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
API_PREFIXES = ("v1", "fhir", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics")


def _first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


class SinglePageApp(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            parts = path.strip("/").split("/")
            # Only page addresses fall back; a missing file (assets/x.js, favicon.ico) stays a 404.
            is_page = parts[0] != "assets" and "." not in parts[-1]
            if exc.status_code != 404 or not is_page or scope["method"] not in ("GET", "HEAD"):
                raise
            response = await super().get_response("index.html", scope)
        # Hashed bundles never change; index.html must be re-read so a deploy takes effect.
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


class WebAppMount(Mount):
    """Never claims an API path, so the router still answers 405 for a wrong method and 404 for no route."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and _first_segment(scope.get("path", "")) in API_PREFIXES:
            return Match.NONE, {}
        return super().matches(scope)


def mount_web_app(app: FastAPI, dist: Path | None = None) -> None:
    dist = dist or DIST
    if (dist / "index.html").is_file():
        app.router.routes.append(WebAppMount("/", app=SinglePageApp(directory=dist, html=True), name="webapp"))
