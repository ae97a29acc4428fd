"""sync/ and desktop/core/ must not import Qt: walk their imports and fail on any Qt binding."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
QT_FREE_DIRS = ("sync", "desktop/core")
QT_MODULES = frozenset({"PySide6", "PyQt5", "PyQt6", "shiboken6", "shiboken2"})


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def qt_imports(root: Path) -> tuple[list[Path], list[str]]:
    """Every .py file under ``root`` and a ``path:line: module`` entry for each Qt import in them."""
    files = sorted(root.rglob("*.py"))
    found: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        hits = [
            (node.lineno, module)
            for node in ast.walk(tree)
            for module in _imported_modules(node)
            if module.split(".")[0] in QT_MODULES
        ]
        found += [f"{path}:{line}: imports {module}" for line, module in sorted(hits)]
    return files, found


def test_sync_and_desktop_core_import_no_qt() -> None:
    offenders: list[str] = []
    for rel in QT_FREE_DIRS:
        root = REPO_ROOT / rel
        assert root.is_dir(), f"{root} is missing"
        files, found = qt_imports(root)
        assert files, f"no .py files found under {root}: the check would pass trivially"
        offenders += found
    assert offenders == [], "Qt imported where it must not be:\n" + "\n".join(offenders)


def test_checker_reports_qt_imports(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import os\nfrom PySide6_extras import x\nfrom . import PySide6\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    bad = pkg / "bad.py"
    bad.write_text(
        '"""A module that breaks the rule."""\n'
        "from PySide6.QtCore import QObject\n"
        "def f():\n"
        "    import PyQt6.QtWidgets as w, json\n"
        "    import shiboken6\n"
        "    return w\n"
    )
    files, found = qt_imports(tmp_path)
    assert set(files) == {tmp_path / "clean.py", bad}
    assert found == [
        f"{bad}:2: imports PySide6.QtCore",
        f"{bad}:4: imports PyQt6.QtWidgets",
        f"{bad}:5: imports shiboken6",
    ]
