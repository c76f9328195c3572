"""The office's dashboard (`/office/`): static files that draw the assessment with
Plotly. The chart library is served from the plotly package this project installs,
so the page works on an intranet with no internet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from api.static_pages import CSS, JAVASCRIPT, page_router

PAGE_DIR = Path(__file__).resolve().parent.parent / "office_page"
PLOTLY = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
#: Only this service's scripts run (the token stays here); Plotly sets inline
#: styles on what it draws.
router = page_router(
    "office",
    PAGE_DIR / "index.html",
    {
        "office.js": (PAGE_DIR / "office.js", JAVASCRIPT),
        "office.css": (PAGE_DIR / "office.css", CSS),
        "vendor/plotly.min.js": (PLOTLY, JAVASCRIPT),
    },
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'",
)
