"""The kiosk web page (`/kiosk/`): static files of the credit-supermarket kiosk,
served by the API so a kiosk needs nothing but a browser and its device token."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import ApiProblem

router = APIRouter(tags=["kiosk page"], include_in_schema=False)
PAGE_DIR = Path(__file__).resolve().parent.parent / "kiosk_page"
ASSETS = {
    "kiosk.js": "text/javascript; charset=utf-8",
    "kiosk.css": "text/css; charset=utf-8",
}
#: Only the page's own files run; the device token never leaves for another origin.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@router.get("/kiosk")
def kiosk_redirect() -> RedirectResponse:
    return RedirectResponse("/kiosk/", status_code=308)


@router.get("/kiosk/")
def kiosk_page() -> FileResponse:
    return FileResponse(
        PAGE_DIR / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS
    )


@router.get("/kiosk/{asset}")
def kiosk_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise ApiProblem(404, "http_404", "Not found", f"no kiosk file {asset}")
    return FileResponse(PAGE_DIR / asset, media_type=ASSETS[asset], headers=HEADERS)
