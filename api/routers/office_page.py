"""The office's dashboard (`/office/`): static files that draw the assessment with
Plotly. The chart library is served from the plotly package this project installs,
so the page works on an intranet with no internet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import ApiProblem

router = APIRouter(tags=["office page"], include_in_schema=False)
PAGE_DIR = Path(__file__).resolve().parent.parent / "office_page"
PLOTLY = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
ASSETS = {
    "office.js": (PAGE_DIR / "office.js", "text/javascript; charset=utf-8"),
    "office.css": (PAGE_DIR / "office.css", "text/css; charset=utf-8"),
    "vendor/plotly.min.js": (PLOTLY, "text/javascript; charset=utf-8"),
}
#: Only this service's scripts run (the token stays here); Plotly sets inline
#: styles on what it draws.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@router.get("/office")
def office_redirect() -> RedirectResponse:
    return RedirectResponse("/office/", status_code=308)


@router.get("/office/")
def office_page() -> FileResponse:
    return FileResponse(
        PAGE_DIR / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS
    )


@router.get("/office/{asset:path}")
def office_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise ApiProblem(404, "http_404", "Not found", f"no office file {asset}")
    path, media_type = ASSETS[asset]
    return FileResponse(path, media_type=media_type, headers=HEADERS)
