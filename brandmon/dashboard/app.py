"""The dashboard's web layer: a FastAPI app that renders the pages as HTML (inline SVG charts and CSS,
nothing fetched from elsewhere), one read-only warehouse connection per request.

Airflow-free: whoever mounts it passes `viewer`, the dependency that names the signed-in user or
raises `LoginRequired` (plugins/brandmon_dashboard.py passes Airflow's own login); every page
depends on it, so a request without a valid login sees no data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from brandmon.dashboard import pages
from brandmon.dashboard.words import LANGUAGES, WORDS, word

if TYPE_CHECKING:
    import duckdb

    from brandmon.config import Config

HERE = Path(__file__).parent
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
STYLE = Markup((HERE / "static" / "dashboard.css").read_text(encoding="utf-8"))
CHART_KEYS = ("sparkline", "week_chart", "episode_chart", "categories_chart", "chart")


class LoginRequired(Exception):
    """The request carries no valid login: browsers go to `login_url`, other clients get a 401."""

    def __init__(self, login_url: str) -> None:
        super().__init__("not signed in")
        self.login_url = login_url


def _login_required(request: Request, error: LoginRequired) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(error.login_url, status_code=303)
    return JSONResponse({"detail": "Not authenticated", "login": error.login_url}, status_code=401)


def _trusted_charts(context: Any) -> Any:
    """Mark the SVG our chart functions drew as safe markup (every label in it is already escaped)."""
    if isinstance(context, dict):
        return {k: Markup(v) if k in CHART_KEYS and isinstance(v, str) else _trusted_charts(v) for k, v in context.items()}
    if isinstance(context, list):
        return [_trusted_charts(v) for v in context]
    return context


def create_app(load_config: Callable[[], Config], viewer: Callable[..., Any], airflow_url: str | None = None) -> FastAPI:
    """The dashboard app; `load_config` is called per request (config edits show without a restart)."""
    app = FastAPI(title="brandmon dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(LoginRequired, _login_required)

    def language(request: Request, config: Config) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            return asked
        return next((lang for lang in config.alerting.languages if lang in LANGUAGES), LANGUAGES[0])

    def render(request: Request, template: str, lang: str, user: str, code: int = 200, **context: Any) -> HTMLResponse:
        base = request.scope.get("root_path", "").rstrip("/")
        other = next(lang_ for lang_ in LANGUAGES if lang_ != lang)
        html = TEMPLATES.get_template(template).render(
            **_trusted_charts(context), w=WORDS[lang], lang=lang, base=base, q=f"?lang={lang}", user=user,
            signed_in=word(lang, "signed_in", user=user), other_lang=other, other_href=f"?lang={other}",
            airflow_url=airflow_url, style=STYLE, path=request.url.path.removeprefix(base) or "/")
        return HTMLResponse(html, status_code=code)

    @contextmanager
    def warehouse(config: Config) -> Iterator[duckdb.DuckDBPyConnection]:
        from warehouse.db import reader

        conn = reader(config.warehouse)
        try:
            yield conn
        finally:
            conn.close()

    def page(request: Request, user: str, template: str,
             build: Callable[[duckdb.DuckDBPyConnection, str, Config], dict]) -> Response:
        from warehouse.db import WarehouseMissing

        config = load_config()
        lang = language(request, config)
        try:
            with warehouse(config) as conn:
                context = build(conn, lang, config)
        except WarehouseMissing:
            return render(request, "message.html", lang, user, 503, message=word(lang, "no_data"))
        except pages.NotFound:
            return render(request, "message.html", lang, user, 404, message=word(lang, "not_found"))
        if context.get("empty"):
            return render(request, "message.html", lang, user, 200, message=word(lang, "no_data"))
        return render(request, template, lang, user, **context)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request, user: str = Depends(viewer)) -> Response:
        """Brands at a glance and the latest incidents."""
        return page(request, user, "overview.html", lambda conn, lang, _: pages.overview(conn, lang))

    @app.get("/incidents/{incident_id}", response_class=HTMLResponse)
    def incident(incident_id: str, request: Request, user: str = Depends(viewer)) -> Response:
        """One incident: charts, posts, complaint categories, topics, timeline."""
        return page(request, user, "incident.html",
                    lambda conn, lang, config: pages.incident(conn, incident_id, config.schedule.bucket, lang))

    @app.get("/alerts/{alert_id}")
    def alert(alert_id: str, request: Request, user: str = Depends(viewer)) -> Response:
        """What an alert's link opens: the page of the incident the alert belongs to."""
        config = load_config()
        lang = language(request, config)
        try:
            with warehouse(config) as conn:
                incident_id = pages.incident_of_alert(conn, alert_id)
        except (pages.NotFound, FileNotFoundError):
            return render(request, "message.html", lang, user, 404, message=word(lang, "not_found"))
        base = request.scope.get("root_path", "").rstrip("/")
        suffix = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{base}/incidents/{incident_id}{suffix}", status_code=303)

    @app.get("/voice", response_class=HTMLResponse)
    def voice(request: Request, user: str = Depends(viewer)) -> Response:
        """Share of voice against the configured competitors."""
        return page(request, user, "voice.html", lambda conn, lang, _: pages.voice(conn, lang))

    @app.get("/sources", response_class=HTMLResponse)
    def sources(request: Request, user: str = Depends(viewer)) -> Response:
        """Source health: latest windows, failures, runs, source alerts."""
        return page(request, user, "sources.html", lambda conn, lang, _: pages.sources(conn, lang))

    return app
