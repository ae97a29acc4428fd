"""An album's mosaic: every picture a cell, in reading order, none overlapping, all inside, shapes kept."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.ui.timeline.album import GAP, RATIO_MAX, RATIO_MIN, Cell, mosaic, ratio

WIDTH, MAX_H = 360, 460


def rows_of(cells: list[Cell]) -> list[list[Cell]]:
    rows: dict[float, list[Cell]] = {}
    for c in cells:
        rows.setdefault(c.y, []).append(c)
    return list(rows.values())


def assert_a_tidy_grid(cells: list[Cell], width: float, height: float) -> None:
    for i, a in enumerate(cells):
        assert a.w >= 1 and a.h >= 1
        assert a.x >= 0 and a.y >= 0 and a.x + a.w <= width and a.y + a.h <= height, f"cell {i} {a} sticks out"
        for j, b in enumerate(cells[i + 1:], i + 1):
            apart = (a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y)
            assert apart, f"cells {i} {a} and {j} {b} overlap"
    for a, b in itertools.pairwise(cells):  # reading order: along a row, then down
        assert (b.y, b.x) > (a.y, a.x), f"{b} comes before {a}"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0.2, max_value=5.0), min_size=1, max_size=10))
def test_any_album_is_a_tidy_grid_within_its_bounds(ratios: list[float]) -> None:
    grid = mosaic([min(RATIO_MAX, max(RATIO_MIN, r)) for r in ratios], WIDTH, MAX_H)
    assert len(grid.cells) == len(ratios)
    assert grid.width == WIDTH and 0 < grid.height <= MAX_H
    assert_a_tidy_grid(grid.cells, grid.width, grid.height)
    assert max(c.x + c.w for c in grid.cells) == WIDTH  # the grid fills its width
    assert max(c.y + c.h for c in grid.cells) == grid.height


def test_two_photos_side_by_side_and_a_portrait_beside_two_landscapes() -> None:
    pair = mosaic([1.0, 1.0], WIDTH, MAX_H).cells
    assert [len(r) for r in rows_of(pair)] == [2] and pair[1].x == pair[0].w + GAP
    big, *column = mosaic([0.75, 1.5, 1.5], WIDTH, MAX_H).cells  # one big on the left, two stacked on the right
    assert big.h > column[0].h and column[0].x == column[1].x == big.w + GAP
    assert abs(big.w / big.h - 0.75) < 0.02 and all(abs(c.w / c.h - 1.5) < 0.05 for c in column)


def test_rows_keep_the_pictures_shapes() -> None:
    ratios = [1.5, 0.75, 1.0, 1.33, 1.78]
    cells = mosaic(ratios, WIDTH, MAX_H).cells
    assert all(1 <= len(row) <= 4 for row in rows_of(cells))
    for r, c in zip(ratios, cells, strict=True):
        assert abs(c.w / c.h - r) < 0.06 * r, f"{c} is not {r}:1"


def test_ten_photos_fit_the_height_and_a_picture_of_unknown_size_is_four_by_three() -> None:
    grid = mosaic([0.6] * 10, WIDTH, MAX_H)
    assert grid.height <= MAX_H and len(rows_of(grid.cells)) >= 3
    assert ratio(None, 600) == 4 / 3 and ratio(100, 1000) == RATIO_MIN and ratio(1000, 100) == RATIO_MAX
