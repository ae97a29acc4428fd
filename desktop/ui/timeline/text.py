"""Message text laid out for a bubble: QTextDocuments (links as anchors) in an LRU, and their sizes."""

from __future__ import annotations

import html
import math
import re
from collections import OrderedDict
from typing import NamedTuple

from PySide6.QtGui import QFont, QTextDocument, QTextLayout, QTextOption

from desktop.core.db.records import Message

URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]", re.IGNORECASE)
# text a QTextDocument lays out differently from one QTextLayout per line: tabs, odd breaks, direction marks
DOC_ONLY_RE = re.compile("[\t\r\v\f\x1c-\x1e\x85\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def linkify(text: str, link_color: str) -> str:
    """Plain text as HTML with every URL an anchor; everything else escaped."""
    out: list[str] = []
    last = 0
    for match in URL_RE.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        url = match.group(0)
        href = url if "://" in url else "https://" + url
        out.append(f'<a href="{html.escape(href, quote=True)}" style="color:{link_color}">{html.escape(url)}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


class TextBox(NamedTuple):
    """The size of a laid-out message text and the width of its last line (where the footer may fit)."""

    width: float
    height: float
    last_line: float


class TextDocs:
    """Laid-out QTextDocuments of message bodies, by (message, width, colour), an LRU; and their sizes.

    Sizes of plain text are measured with QTextLayout (several times quicker than a QTextDocument, same
    numbers), so rows that are measured but never painted build no document.
    """

    def __init__(self, capacity: int = 1500) -> None:
        self._docs: OrderedDict[tuple[int, int, int, str, str], QTextDocument] = OrderedDict()
        self._boxes: dict[tuple[int, int, int, str], TextBox] = {}
        self._capacity = capacity

    def measure(self, message: Message, font: QFont, max_width: int, link_color: str,
                font_key: str = "") -> TextBox:
        """The size ``get`` would lay the body out at, without building a document when it can."""
        key = (message.id, hash(message.body), max_width, font_key or font.key())
        box = self._boxes.get(key)
        if box is None:
            box = _plain_text_box(message.body.strip(), font, max_width)
            if box is None:
                doc = self.get(message, font, max_width, link_color, font_key)
                box = TextBox(doc.size().width(), doc.size().height(), _last_line_width(doc))
            if len(self._boxes) > 200_000:
                self._boxes.clear()
            self._boxes[key] = box
        return box

    def get(self, message: Message, font: QFont, max_width: int, link_color: str, font_key: str = "") -> QTextDocument:
        key = (message.id, hash(message.body), max_width, link_color, font_key or font.key())
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(option)
        body = message.body.strip()
        if URL_RE.search(body):
            doc.setHtml(linkify(body, link_color))
        else:
            doc.setPlainText(body)
        doc.setTextWidth(max_width)
        ideal = math.ceil(doc.idealWidth()) + 1
        if ideal < max_width:
            doc.setTextWidth(ideal)
        self._docs[key] = doc
        while len(self._docs) > self._capacity:
            self._docs.popitem(last=False)
        return doc

    def clear(self) -> None:
        self._docs.clear()
        self._boxes.clear()


def _plain_text_box(body: str, font: QFont, max_width: int) -> TextBox | None:
    """What ``TextDocs.get`` would measure for ``body``, or None when only a QTextDocument can tell."""
    if URL_RE.search(body) or DOC_ONLY_RE.search(body):
        return None
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    height = widest = last = 0.0
    for paragraph in body.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max_width)
            if line.x() != 0:  # right-to-left text, aligned to the other side
                layout.endLayout()
                return None
            height += line.height()
            last = line.naturalTextWidth()
            widest = max(widest, last)
        layout.endLayout()
    ideal = math.ceil(widest) + 1
    if ideal >= max_width:  # the document keeps the full width: let it say how wide that is
        return None
    return TextBox(float(ideal), height, last)


def _last_line_width(doc: QTextDocument) -> float:
    block = doc.lastBlock()
    layout = block.layout()
    if layout is None or layout.lineCount() == 0:
        return 0.0
    line = layout.lineAt(layout.lineCount() - 1)
    return line.x() + line.naturalTextWidth()
