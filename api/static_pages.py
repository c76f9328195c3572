"""The web pages the API serves (`/kiosk/`, `/office/`): an index and a fixed list
of files, with headers that let only this service's own scripts run."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import ApiProblem

HTML = "text/html; charset=utf-8"
JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


def page_router(
    name: str, index: Path, assets: dict[str, tuple[Path, str]], csp: str
) -> APIRouter:
    """`/{name}/` serves `index`; `/{name}/{asset}` one of `assets` (path, media
    type); anything else is 404."""
    router = APIRouter(tags=[f"{name} page"], include_in_schema=False)
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }

    @router.get(f"/{name}")
    def redirect() -> RedirectResponse:
        return RedirectResponse(f"/{name}/", status_code=308)

    @router.get(f"/{name}/")
    def page() -> FileResponse:
        return FileResponse(index, media_type=HTML, headers=headers)

    @router.get(f"/{name}/{{asset:path}}")
    def asset(asset: str) -> FileResponse:
        if asset not in assets:
            raise ApiProblem(404, "http_404", "Not found", f"no {name} file {asset}")
        path, media_type = assets[asset]
        return FileResponse(path, media_type=media_type, headers=headers)

    return router
