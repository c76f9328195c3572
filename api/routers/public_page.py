"""The public page (`/public/`): each unit's monthly activity schedule and its
library projects, for residents and volunteers, with no sign-in and no names."""

from __future__ import annotations

from pathlib import Path

from api.static_pages import CSS, JAVASCRIPT, page_router

PAGE_DIR = Path(__file__).resolve().parent.parent / "public_page"
router = page_router(
    "public",
    PAGE_DIR / "index.html",
    {
        "public.js": (PAGE_DIR / "public.js", JAVASCRIPT),
        "public.css": (PAGE_DIR / "public.css", CSS),
    },
    "default-src 'self'; frame-ancestors 'none'",
)
