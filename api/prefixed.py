"""A router that FastAPI's route matching passes with one comparison for paths outside its prefix.

FastAPI matches a request against the routes of every included router in turn, several
microseconds each, and a router's routes are tried even when the path is nowhere under its
prefix. Included after the /v1 routers, a FHIR create was compared with all 170 of them
first (16% of its CPU under py-spy); GET /v1/tasks was compared with 190 routes.
"""

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette._utils import get_route_path  # what FastAPI's own route matching reads
from starlette.routing import Match
from starlette.types import Scope


class PrefixedRouter(APIRouter):
    # Where the app includes it (`include`): the path a request carries is mounted_at + prefix + route.
    mounted_at = ""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self._holds(get_route_path(scope)):
            return Match.NONE, {}
        return super().matches(scope)

    def _holds(self, path: str) -> bool:
        full = self.mounted_at + self.prefix
        # A prefix with a parameter in it (/referrals/{referral_id}/documents) is checked up to the parameter.
        static, parameter, _ = full.partition("{")
        if parameter:
            return path.startswith(static)
        return path == full or path.startswith(full + "/")


def include(app: FastAPI, router: APIRouter, prefix: str = "", **options: Any) -> None:
    """`app.include_router`, telling a PrefixedRouter where it now lives."""
    if isinstance(router, PrefixedRouter):
        router.mounted_at = prefix
    app.include_router(router, prefix=prefix, **options)
