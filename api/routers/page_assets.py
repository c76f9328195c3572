"""What every page shares (`/assets/`): the Chinese words for the API's problems,
and the icon. Served from the project's own files: the pages work on an intranet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import ApiProblem
from api.static_pages import JAVASCRIPT

ASSET_DIR = Path(__file__).resolve().parent.parent / "page_assets"
ASSETS = {
    "messages.js": JAVASCRIPT,
    "favicon.svg": "image/svg+xml",
}
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"}
router = APIRouter(tags=["page assets"], include_in_schema=False)


@router.get("/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ApiProblem(404, "http_404", "Not found", f"no asset {name}")
    return FileResponse(ASSET_DIR / name, media_type=ASSETS[name], headers=HEADERS)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for it by this name; the icon is an SVG."""
    return RedirectResponse("/assets/favicon.svg", status_code=308)
