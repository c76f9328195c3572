"""A person's own pages (`/me/`): sign in; a volunteer's hours, points, star level,
activities, orders, messages, teams and certificates; a resident's orders and
messages. Phone-sized first."""

from __future__ import annotations

from pathlib import Path

from api.static_pages import CSS, JAVASCRIPT, page_router

PAGE_DIR = Path(__file__).resolve().parent.parent / "me_page"
router = page_router(
    "me",
    PAGE_DIR / "index.html",
    {
        "me.js": (PAGE_DIR / "me.js", JAVASCRIPT),
        "me.css": (PAGE_DIR / "me.css", CSS),
    },
    "default-src 'self'; frame-ancestors 'none'",
)
