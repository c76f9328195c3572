"""The kiosk web page (`/kiosk/`): static files of the credit-supermarket kiosk,
served by the API so a kiosk needs nothing but a browser and its device token."""

from __future__ import annotations

from pathlib import Path

from api.static_pages import CSS, JAVASCRIPT, page_router

PAGE_DIR = Path(__file__).resolve().parent.parent / "kiosk_page"
#: Only the page's own files run; the device token never leaves for another origin.
router = page_router(
    "kiosk",
    PAGE_DIR / "index.html",
    {
        "kiosk.js": (PAGE_DIR / "kiosk.js", JAVASCRIPT),
        "kiosk.css": (PAGE_DIR / "kiosk.css", CSS),
    },
    "default-src 'self'; frame-ancestors 'none'",
)
