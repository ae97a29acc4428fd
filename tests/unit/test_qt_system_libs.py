"""scripts/qt-system-libs.txt names a Debian package for every library that the Qt plugins and bindings we load link."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "qt_system_libs.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qt_system_libs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


qsl = _load_script()


@pytest.fixture(scope="module")
def pyside() -> Path:
    found = qsl.find_pyside6()
    assert found is not None, "PySide6 is a dependency of the app: it must be installed to run the tests"
    return found  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def xcb_plugin(pyside: Path) -> Path:
    plugin = pyside / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    assert plugin.is_file(), f"no xcb platform plugin at {plugin}"
    return plugin


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    parsed, errors = qsl.parse_table(qsl.TABLE_PATH.read_text(encoding="utf-8"))
    assert errors == []
    return parsed  # type: ignore[no-any-return]


def test_table_lines_are_soname_and_package(table: dict[str, str]) -> None:
    assert len(table) >= 20
    assert table["libxcb-cursor.so.0"] == "libxcb-cursor0"
    assert table["libxcb-icccm.so.4"] == "libxcb-icccm4"
    assert table["libxcb-keysyms.so.1"] == "libxcb-keysyms1"
    assert not [s for s in table if qsl.is_base(s)], "the C runtime is not for the table"


def test_parse_table_rejects_malformed_lines() -> None:
    _, errors = qsl.parse_table("# comment\nlibfoo.so.1 libfoo1\nlibbar.so.2\nlibfoo.so.1 libfoo1\nnot-a-lib pkg\n")
    assert len(errors) == 3


def test_every_library_the_scanned_files_link_is_in_the_table(pyside: Path, table: dict[str, str]) -> None:
    roots = qsl.scan_roots(pyside)
    names = {p.name for p in roots}
    assert {"libqxcb.so", "libqoffscreen.so", "libffmpegmediaplugin.so"} <= names
    assert any(n.startswith("libqwayland") for n in names)
    result = qsl.scan(roots, qsl.bundled_dirs(pyside), pyside)
    assert "libxcb-cursor.so.0" in result.external  # the scan reaches what the xcb plugin links
    assert any(p.name == "libQt6XcbQpa.so.6" for p in result.files)  # ...through the bundled Qt libraries
    missing = qsl.unlisted(result.external, table)
    detail = "\n".join(f"  {s} (needed by {', '.join(result.external[s][:3])})" for s in missing)
    assert not missing, (
        f"{qsl.TABLE_PATH.name} lacks these sonames; run `.venv/bin/python scripts/qt_system_libs.py --write-table`:\n"
        + detail
    )


def test_a_table_without_xcb_cursor_is_reported(pyside: Path, xcb_plugin: Path, table: dict[str, str]) -> None:
    fake = {soname: package for soname, package in table.items() if soname != "libxcb-cursor.so.0"}
    result = qsl.scan([xcb_plugin], qsl.bundled_dirs(pyside), pyside)
    assert qsl.unlisted(result.external, fake) == ["libxcb-cursor.so.0"]
    assert qsl.unlisted(result.external, table) == []


def test_elf_reader_reads_the_xcb_plugin(xcb_plugin: Path) -> None:
    needed = qsl.elf_needed(xcb_plugin)
    assert "libQt6XcbQpa.so.6" in needed
    assert "libc.so.6" in needed
    assert qsl.elf_machine(xcb_plugin) > 0


def test_missing_packages_only_for_absent_sonames() -> None:
    table = {"liba.so.1": "pkg-a", "libb.so.1": "pkg-b", "libc2.so.1": "pkg-b"}
    external = ["liba.so.1", "libb.so.1", "libc2.so.1", "libunknown.so.3"]
    assert qsl.missing_packages(external, table, present=["liba.so.1"]) == ["pkg-b"]
    assert qsl.missing_packages(external, table, present=["liba.so.1", "libb.so.1", "libc2.so.1"]) == []


def _pyside_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("PySide6.") and n.split(".")[1].startswith("Qt")}
    return found


def test_scanned_bindings_cover_every_pyside6_module_the_app_imports() -> None:
    files = [REPO_ROOT / "main.py", *sorted((REPO_ROOT / "desktop").rglob("*.py"))]
    imported = set().union(*(_pyside_modules(f) for f in files))
    assert "QtWidgets" in imported
    assert imported <= set(qsl.BINDINGS), f"add {sorted(imported - set(qsl.BINDINGS))} to BINDINGS"
