"""Where each photo and video of an album goes: a mosaic of rows, or one big picture beside a column.

Rows are justified: the pictures of a row share its height and fill the width, so each keeps its
own shape (within RATIO_MIN..RATIO_MAX; beyond that the middle is shown). Of every way to cut the
album into rows (in order), and of "the first one big on the left, the rest in a column", the
one whose height is closest to a pleasant size, with no row too thin, wins. Plain Python: no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

GAP = 2
RATIO_MIN, RATIO_MAX = 0.5, 2.5
MIN_ROW_H = 72
MAX_PER_ROW = 4


class Cell(NamedTuple):
    """One picture's place, relative to the album's top left."""

    x: float
    y: float
    w: float
    h: float


class Mosaic(NamedTuple):
    cells: list[Cell]
    width: float
    height: float


def ratio(width: int | None, height: int | None) -> float:
    """A picture's width over height, within what a cell shows whole; 4:3 when unknown."""
    if not width or not height:
        return 4 / 3
    return min(RATIO_MAX, max(RATIO_MIN, width / height))


def mosaic(ratios: Sequence[float], width: float, max_height: float) -> Mosaic:
    """Cells for pictures of ``ratios`` (width / height), in order, filling ``width``.

    Cells are read in order left to right, then top to bottom; gaps are GAP pixels. An album that
    would be taller than ``max_height`` is squeezed to it (its cells then show their middles).
    """
    key = tuple(round(r, 3) for r in ratios)
    return _mosaic(key, round(width), round(max_height))


@lru_cache(maxsize=2048)
def _mosaic(ratios: tuple[float, ...], width: int, max_height: int) -> Mosaic:
    if not ratios:
        return Mosaic([], float(width), 0.0)
    target = min(max_height, width * (0.75 + 0.04 * len(ratios)))
    best: tuple[float, list[Cell]] | None = None
    for cells in _candidates(ratios, width):
        cost = _cost(cells, len(ratios), target, max_height)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, cells)
    assert best is not None
    cells = best[1]
    height = max(c.y + c.h for c in cells)
    if height > max_height:
        squeeze = max_height / height
        cells = [Cell(c.x, c.y * squeeze, c.w, c.h * squeeze) for c in cells]
    cells = _snapped(cells)
    return Mosaic(cells, float(width), max(c.y + c.h for c in cells))


def _candidates(ratios: tuple[float, ...], width: float) -> Iterator[list[Cell]]:
    for sizes in _compositions(len(ratios)):
        yield _rows(ratios, sizes, width)
    if 3 <= len(ratios) <= 4:
        yield _column(ratios, width)


def _compositions(n: int) -> Iterator[tuple[int, ...]]:
    """Every way to cut ``n`` pictures into rows of 1..MAX_PER_ROW, in order, fewer rows first."""
    def cut(left: int) -> Iterator[tuple[int, ...]]:
        if left == 0:
            yield ()
            return
        for first in range(1, min(MAX_PER_ROW, left) + 1):
            for rest in cut(left - first):
                yield (first, *rest)

    yield from sorted(cut(n), key=len)


def _rows(ratios: Sequence[float], sizes: Sequence[int], width: float) -> list[Cell]:
    cells: list[Cell] = []
    y, start = 0.0, 0
    for size in sizes:
        row = ratios[start:start + size]
        h = (width - GAP * (size - 1)) / sum(row)
        x = 0.0
        for r in row:
            cells.append(Cell(x, y, h * r, h))
            x += h * r + GAP
        y += h + GAP
        start += size
    return cells


def _column(ratios: Sequence[float], width: float) -> list[Cell]:
    """The first picture on the left at full height; the others stacked on the right, as wide as each other."""
    first, rest = ratios[0], ratios[1:]
    inverse = sum(1 / r for r in rest)
    right_w = (width - GAP - first * GAP * (len(rest) - 1)) / (1 + first * inverse)
    height = right_w * inverse + GAP * (len(rest) - 1)
    left_w = width - GAP - right_w
    cells = [Cell(0.0, 0.0, left_w, height)]
    y = 0.0
    for r in rest:
        cells.append(Cell(left_w + GAP, y, right_w, right_w / r))
        y += right_w / r + GAP
    return cells


def _cost(cells: list[Cell], count: int, target: float, max_height: float) -> float:
    """Lower is better: near ``target`` tall, nothing thinner than MIN_ROW_H, not over ``max_height``."""
    height = max(c.y + c.h for c in cells)
    cost = abs(math.log(height / target))
    if height > max_height:
        cost += 4 * math.log(height / max_height)
    for c in cells:
        thinnest = min(c.h, c.w)
        if thinnest < MIN_ROW_H:
            cost += 4 * math.log(MIN_ROW_H / thinnest) / count
    rows = len({round(c.y) for c in cells})
    alone = sum(1 for c in cells if c.x == 0 and c.w > 0.99 * max(x.x + x.w for x in cells))
    return cost + (0.15 * alone if count > 1 else 0.0) + 0.02 * rows


def _snapped(cells: list[Cell]) -> list[Cell]:
    """Cells on whole pixels: edges rounded (not sizes), so neighbours keep their gap."""
    out = []
    for c in cells:
        left, top = round(c.x), round(c.y)
        right, bottom = round(c.x + c.w), round(c.y + c.h)
        out.append(Cell(float(left), float(top), float(max(1, right - left)), float(max(1, bottom - top))))
    return out
