"""The brandmon dashboard as an Airflow plugin: the Airflow API server serves it under /brandmon/,
behind Airflow's own login, and the Airflow UI lists it in its navigation.

Airflow does not authenticate a plugin's FastAPI app (a mounted app inherits none of the core
API's dependencies), so every page here depends on `viewer`: the user comes from Airflow's JWT
(the `_token` cookie the login page sets, or an `Authorization: Bearer` header) through Airflow's
own `get_user`, and must be allowed to see the Airflow UI. Without a valid token a browser is sent
to Airflow's login page (and back after it), any other client gets a 401; no data either way.
`brandmon.airflow_setup` points AIRFLOW__CORE__PLUGINS_FOLDER at this folder.
"""

# No `from __future__ import annotations`: FastAPI reads the dependency's annotations, which name
# classes imported inside build_app, so they must be evaluated where they are written.
from typing import Annotated, Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/brandmon"


def build_app() -> Any:
    """The dashboard app with Airflow's login in front of every page."""
    from airflow.api_fastapi.app import API_ROOT_PATH, get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi import Depends, HTTPException, Request
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    from brandmon.config import load_config
    from brandmon.dashboard.app import LoginRequired, create_app

    bearer = HTTPBearer(auto_error=False)

    async def viewer(request: Request,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        """The signed-in Airflow user's name; LoginRequired without a valid token, 403 without UI access."""
        auth_manager = get_auth_manager()
        try:
            user = await get_user(request, None, credentials)
        except HTTPException:
            raise LoginRequired(auth_manager.get_url_login(next_url=str(request.url))) from None
        if not auth_manager.is_authorized_view(access_view=AccessView.WEBSITE, user=user):
            raise HTTPException(status_code=403, detail=f"user {user.get_name()!r} may not view the Airflow UI")
        return user.get_name()

    return create_app(load_config, viewer, airflow_url=API_ROOT_PATH or "/")


class LazyDashboard:
    """An ASGI app that builds the dashboard on its first request.

    Every Airflow process loads plugins (a task does, for its template context); only the API
    server serves pages, so only it should pay for importing the web stack.
    """

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.app is None:
            self.app = build_app()
        await self.app(scope, receive, send)


class BrandmonDashboard(AirflowPlugin):
    """Mounts the dashboard on the API server and adds it to the Airflow UI's navigation."""

    name = "brandmon_dashboard"
    fastapi_apps = [{"app": LazyDashboard(), "url_prefix": URL_PREFIX, "name": "Brand monitor dashboard"}]
    external_views = [{"name": "Brand monitor", "href": f"{URL_PREFIX.lstrip('/')}/", "destination": "nav",
                       "url_route": "brandmon"}]
