"""The HTML of an exported conversation: self-contained pages (inline CSS, no scripts) any browser reads offline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from desktop.core.db.records import Attachment, Message
from desktop.core.names import display_name
from desktop.core.units import size_text

SHOWN_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp"})
"""Images every current browser draws; others (HEIC, TIFF…) are linked like any file."""

CSS = """
:root { color-scheme: light dark; --bubble: #eef1f5; --own: #d9ecff; --muted: #5f6368; --line: #dadce0; }
@media (prefers-color-scheme: dark) { :root { --bubble: #2a2d32; --own: #1d3b5c; --muted: #9aa0a6;
  --line: #3c4043; } }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
  max-width: 46rem; padding: 1.5rem 1rem 3rem; }
header h1 { font-size: 1.6rem; margin: 0; }
header p, nav, .meta, .day, figcaption, .file small { color: var(--muted); }
header { border-bottom: 1px solid var(--line); padding-bottom: .8rem; margin-bottom: .5rem; }
nav { display: flex; justify-content: space-between; margin: .8rem 0; }
.day { text-align: center; font-size: .85rem; font-weight: 600; margin: 1.4rem 0 .6rem; }
.message { background: var(--bubble); border-radius: 14px; padding: .5rem .8rem .6rem;
  margin: .45rem 3rem .45rem 0; width: fit-content; max-width: 100%; box-sizing: border-box; }
.message.own { background: var(--own); margin: .45rem 0 .45rem auto; }
.meta { font-size: .8rem; margin: 0 0 .15rem; }
.sender { font-weight: 600; color: inherit; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
figure { margin: .4rem 0; }
img, video { display: block; max-width: 100%; height: auto; max-height: 28rem; border-radius: 8px; }
audio { display: block; max-width: 100%; }
figcaption, .file small { font-size: .8rem; }
.file { margin: .3rem 0; overflow-wrap: anywhere; border-left: 3px solid var(--line); padding-left: .6rem; }
.missing { font-style: italic; }
"""


@dataclass(frozen=True, slots=True)
class Heading:
    """What every page of one export says at the top."""

    title: str
    members: tuple[str, ...]
    me: str
    count: int
    exported_at: datetime


def page_name(number: int) -> str:
    """The file of page ``number`` (1 is the oldest messages): ``index.html``, ``page-2.html``…"""
    return "index.html" if number == 1 else f"page-{number}.html"


def head(heading: Heading, number: int, pages: int) -> str:
    """The page up to its first message."""
    members = ", ".join(escape(display_name(m)) for m in heading.members)
    count = "1 message" if heading.count == 1 else f"{heading.count:,} messages"
    at = heading.exported_at
    exported = f"{at.day} {at:%B %Y} at {at:%H:%M}"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(heading.title)}{_of(number, pages)} — Envelope</title>\n<style>{CSS}</style>\n"
            f"</head>\n<body>\n<header>\n<h1>{escape(heading.title)}</h1>\n"
            f"<p>{members} · {count} · exported from Envelope on {exported}</p>\n</header>\n"
            f"{_nav(number, pages)}<main>\n")


def foot(number: int, pages: int) -> str:
    return f"</main>\n{_nav(number, pages)}</body>\n</html>\n"


def day(when: datetime) -> str:
    """The line above a day's first message."""
    return f'<h2 class="day">{when:%A} {when.day} {when:%B %Y}</h2>\n'


def message(m: Message, when: datetime, paths: Mapping[str, str | None], me: str) -> str:
    """One message: sender, time, text and attachments (``paths``: each blob's file, None when missing)."""
    own = " own" if m.sender == me else ""
    state = {"pending": " · not sent yet", "failed": " · not sent"}.get(m.state, "")
    parts = [f'<article class="message{own}">\n<p class="meta"><span class="sender">{escape(display_name(m.sender))}'
             f'</span> · <time datetime="{when.isoformat()}">{when.strftime("%H:%M")}</time>{state}</p>\n']
    parts += [_attachment(a, paths.get(a.blob), paths.get(a.thumbnail or "")) for a in m.attachments]
    if m.body:
        parts.append(f'<p class="text">{escape(m.body)}</p>\n')
    parts.append("</article>\n")
    return "".join(parts)


def _attachment(a: Attachment, path: str | None, poster: str | None) -> str:
    name, size = escape(a.name), size_text(a.size)
    if path is None:
        return f'<p class="file missing">{name} <small>· {size} · not in this export</small></p>\n'
    href = escape(quote(path))
    dims = f' width="{a.width}" height="{a.height}"' if a.width and a.height else ""
    if a.kind == "image" and a.mime in SHOWN_IMAGES:
        return (f'<figure><a href="{href}"><img src="{href}" alt="{name}"{dims} loading="lazy"></a>'
                f"<figcaption>{name} · {size}</figcaption></figure>\n")
    if a.kind in ("video", "audio"):
        tag = a.kind
        more = "" if tag == "audio" else dims + (f' poster="{escape(quote(poster))}"' if poster else "")
        return (f'<figure><{tag} controls preload="metadata" src="{href}"{more}>'
                f'<a href="{href}">{name}</a></{tag}><figcaption><a href="{href}">{name}</a> · {size}</figcaption>'
                "</figure>\n")
    return f'<p class="file"><a href="{href}">{name}</a> <small>· {size}</small></p>\n'


def _of(number: int, pages: int) -> str:
    return f" (page {number} of {pages})" if pages > 1 else ""


def _nav(number: int, pages: int) -> str:
    if pages == 1:
        return ""
    older = f'<a href="{page_name(number - 1)}">← Older</a>' if number > 1 else "<span></span>"
    newer = f'<a href="{page_name(number + 1)}">Newer →</a>' if number < pages else "<span></span>"
    return f"<nav>{older}<span>Page {number} of {pages}</span>{newer}</nav>\n"
