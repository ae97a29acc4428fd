"""Install (as root) or print the apt-get line for the Debian packages that Qt's plugins link (read from their ELF)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("qt-system-libs.txt")

# The PySide6 Python modules the app imports (tests/unit/test_qt_system_libs.py keeps this in step with desktop/).
BINDINGS = ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtMultimedia", "QtMultimediaWidgets")

# Plugin folders under PySide6/Qt/plugins that a desktop user of this app loads, with the files scanned in each.
# Left out on purpose: eglfs/linuxfb/vnc/vkkhrdisplay/minimalegl platforms and egldeviceintegrations/ (embedded
# kiosks, no desktop), the virtual-keyboard input context (needs QtQuick), wayland-graphics-integration-server/
# (compositor side), generic/ (evdev, loaded only on request), networkinformation/ and printsupport/ (unused).
PLUGIN_SCAN: dict[str, tuple[str, ...]] = {
    "platforms": ("libqxcb*.so", "libqwayland*.so", "libqoffscreen.so", "libqminimal.so"),
    "platforminputcontexts": ("libcomposeplatforminputcontextplugin.so", "libibusplatforminputcontextplugin.so"),
    "xcbglintegrations": ("*.so",),
    "wayland-decoration-client": ("*.so",),
    "wayland-graphics-integration-client": ("*.so",),
    "wayland-shell-integration": ("*.so",),
    "platformthemes": ("*.so",),
    "multimedia": ("*.so",),
    "imageformats": ("*.so",),
    "iconengines": ("*.so",),
    "tls": ("*.so",),
}

# The C runtime every Debian system has (libc6, libstdc++6, libgcc-s1): never in the table.
BASE_SONAMES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
        "libstdc++.so.6",
        "libgcc_s.so.1",
    }
)

_SONAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+\.so(\.[0-9]+)*$")
_PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]+$")
_LDCONFIG_ARCH = {62: "x86-64", 183: "AArch64"}  # e_machine -> the tag `ldconfig -p` prints for that ABI


def is_base(soname: str) -> bool:
    return soname in BASE_SONAMES or soname.startswith("ld-linux")


# --- ELF: just enough to read DT_NEEDED without binutils -------------------------------------------------------


def _elf_header(data: bytes) -> tuple[str, bool, int]:
    """Struct byte-order prefix, whether the file is 64-bit, and e_machine."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    is64 = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    (machine,) = struct.unpack_from(order + "H", data, 18)
    return order, is64, machine


def elf_machine(path: Path) -> int:
    with path.open("rb") as fh:
        return _elf_header(fh.read(64))[2]


def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED sonames of a shared object, in file order."""
    data = path.read_bytes()
    order, is64, _ = _elf_header(data)
    (phoff,) = struct.unpack_from(order + ("Q" if is64 else "I"), data, 32 if is64 else 28)  # e_phoff
    phentsize, phnum = struct.unpack_from(order + "HH", data, 54 if is64 else 42)  # e_phentsize, e_phnum
    ph_fmt = order + ("IIQQQQQQ" if is64 else "IIIIIIII")  # Elf64_Phdr / Elf32_Phdr
    dyn_fmt = order + ("qQ" if is64 else "iI")  # Elf64_Dyn / Elf32_Dyn
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    dynamic: tuple[int, int] | None = None  # (offset, filesz)
    for i in range(phnum):
        fields = struct.unpack_from(ph_fmt, data, phoff + i * phentsize)
        if is64:
            p_type, _flags, offset, vaddr, _paddr, filesz = fields[:6]
        else:
            p_type, offset, vaddr, _paddr, filesz = fields[:5]
        if p_type == 1:  # PT_LOAD
            loads.append((vaddr, offset, filesz))
        elif p_type == 2:  # PT_DYNAMIC
            dynamic = (offset, filesz)
    if dynamic is None:
        return []
    entry = struct.calcsize(dyn_fmt)
    needed: list[int] = []
    strtab_vaddr: int | None = None
    for pos in range(dynamic[0], dynamic[0] + dynamic[1] - entry + 1, entry):
        tag, value = struct.unpack_from(dyn_fmt, data, pos)
        if tag == 0:  # DT_NULL
            break
        if tag == 1:  # DT_NEEDED
            needed.append(value)
        elif tag == 5:  # DT_STRTAB
            strtab_vaddr = value
    if strtab_vaddr is None:
        return []
    strtab = next((off + strtab_vaddr - va for va, off, size in loads if va <= strtab_vaddr < va + size), None)
    if strtab is None:
        raise ValueError(f"{path}: DT_STRTAB outside every PT_LOAD segment")
    return [data[strtab + n : data.index(b"\0", strtab + n)].decode() for n in needed]


# --- What PySide6 links ----------------------------------------------------------------------------------------


def find_pyside6() -> Path | None:
    """PySide6's package folder for the interpreter running this (found, not imported)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_dirs(pyside: Path) -> list[Path]:
    """Where the wheels keep their own shared objects: Qt/lib (Qt, ICU, FFmpeg), PySide6/, shiboken6/."""
    return [pyside / "Qt" / "lib", pyside, pyside.parent / "shiboken6"]


def scan_roots(pyside: Path) -> list[Path]:
    """The binding modules the app imports and the plugins in PLUGIN_SCAN that exist in this PySide6."""
    roots: list[Path] = []
    for name in BINDINGS:
        roots += sorted(pyside.glob(f"{name}.*.so"))
    plugins = pyside / "Qt" / "plugins"
    for folder, patterns in PLUGIN_SCAN.items():
        for pattern in patterns:
            roots += sorted((plugins / folder).glob(pattern))
    return list(dict.fromkeys(roots))


@dataclass
class Scan:
    external: dict[str, list[str]] = field(default_factory=dict)  # soname -> files (relative to PySide6) needing it
    files: list[Path] = field(default_factory=list)  # every PySide6 file read, roots first


def scan(roots: Iterable[Path], bundled: Iterable[Path], pyside: Path) -> Scan:
    """Follow DT_NEEDED from the roots through the bundled libraries; collect what the system must provide."""
    provided: dict[str, Path] = {}
    for folder in bundled:
        if folder.is_dir():
            for lib in folder.glob("*.so*"):
                provided.setdefault(lib.name, lib)
    result = Scan()
    queue, seen = list(roots), set()
    while queue:
        path = queue.pop(0)
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        result.files.append(path)
        for soname in elf_needed(path):
            if soname in provided:
                queue.append(provided[soname])
            elif not is_base(soname):
                rel = path.relative_to(pyside) if path.is_relative_to(pyside) else path
                result.external.setdefault(soname, []).append(str(rel))
    return result


# --- The table -------------------------------------------------------------------------------------------------


def parse_table(text: str) -> tuple[dict[str, str], list[str]]:
    """``soname package`` lines (``#`` comments) -> mapping, plus a message for each malformed line."""
    table: dict[str, str] = {}
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not _SONAME_RE.match(parts[0]) or not _PACKAGE_RE.match(parts[1]):
            errors.append(f"line {number}: expected 'soname package', got {raw!r}")
        elif parts[0] in table:
            errors.append(f"line {number}: {parts[0]} listed twice")
        else:
            table[parts[0]] = parts[1]
    return table, errors


def load_table(path: Path = TABLE_PATH) -> dict[str, str]:
    table, errors = parse_table(path.read_text(encoding="utf-8"))
    for error in errors:
        print(f"qt_system_libs: {path.name} {error}", file=sys.stderr)
    return table


def unlisted(external: Iterable[str], table: dict[str, str]) -> list[str]:
    """Sonames the plugins need that the table does not name (the test fails on any)."""
    return sorted(set(external) - set(table))


# --- The system ------------------------------------------------------------------------------------------------


def _ldconfig() -> str | None:
    fallback = (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if Path(p).exists())  # not on a user's PATH
    return shutil.which("ldconfig") or next(fallback, None)


def system_libraries(sonames: Iterable[str], machine: int) -> dict[str, str]:
    """The sonames the dynamic linker would find, with their paths, for the ABI of ``machine``.

    As the linker does: LD_LIBRARY_PATH, then the ``ldconfig -p`` cache (keyed by each file's own DT_SONAME), then
    the directories of that cache (a symlink such as libbz2.so.1 -> libbz2.so.1.0.4 is found there, not in the cache).
    """
    ldconfig = _ldconfig()
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False).stdout if ldconfig else ""
    arch = _LDCONFIG_ARCH.get(machine)
    cache: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and (arch is None or arch in m.group(2).split(",")):
            cache.setdefault(m.group(1), m.group(3))
    env_dirs = [Path(d) for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    cache_dirs = list(dict.fromkeys(Path(p).parent for p in cache.values()))
    found: dict[str, str] = {}
    for soname in sonames:
        hit = next((d / soname for d in env_dirs if (d / soname).exists()), None)
        hit = hit or (Path(cache[soname]) if soname in cache else None)
        hit = hit or next((d / soname for d in cache_dirs if (d / soname).exists()), None)
        if hit is not None:
            found[soname] = str(hit)
    return found


def package_of(soname: str, path: str | None) -> str | None:
    """The Debian package that ships ``soname``: dpkg -S when installed, else apt-file (if present)."""
    if path:
        out = subprocess.run(["dpkg", "-S", f"*/{soname}"], capture_output=True, text=True, check=False).stdout
        owners = {line.split(":", 1)[0] for line in out.splitlines() if ": " in line}
        if len(owners) == 1:
            return owners.pop()
    if shutil.which("apt-file"):
        out = subprocess.run(["apt-file", "search", "-x", f"/lib/[^/]+/{re.escape(soname)}$"],
                             capture_output=True, text=True, check=False).stdout
        owners = {line.split(":", 1)[0] for line in out.splitlines() if ": " in line}
        if len(owners) == 1:
            return owners.pop()
    return None


def write_table(external: dict[str, list[str]], old: dict[str, str], machine: int) -> tuple[str, list[str]]:
    """The table's text for ``external`` (header kept from the file), and the sonames no package was found for."""
    header = [line for line in TABLE_PATH.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    present = system_libraries(external, machine)
    lines, unknown = [], []
    for soname in sorted(external, key=str.lower):
        package = old.get(soname) or package_of(soname, present.get(soname))
        if package is None:
            unknown.append(soname)
        else:
            lines.append(f"{soname} {package}")
    return "\n".join([*header, *lines]) + "\n", unknown


def _apt_install(packages: list[str]) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing Qt's system libraries: {' '.join(packages)}", file=sys.stderr)
    update = subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    if update.returncode != 0:
        return update.returncode
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    install = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if install.returncode != 0:  # apt's chatter (debconf notes) only when it failed
        print(install.stdout + install.stderr, file=sys.stderr)
    return install.returncode


def missing_packages(external: Iterable[str], table: dict[str, str], present: Iterable[str]) -> list[str]:
    """Packages to install: those of the tabled sonames the linker cannot find."""
    have = set(present)
    return sorted({table[s] for s in external if s in table and s not in have})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="print each soname the scanned files need and its package")
    mode.add_argument("--write-table", action="store_true", help=f"regenerate {TABLE_PATH.name} (dpkg -S / apt-file)")
    args = parser.parse_args(argv)

    pyside = find_pyside6()
    if pyside is None:
        print("qt_system_libs: PySide6 is not installed for this interpreter; nothing to check", file=sys.stderr)
        return 0
    roots = scan_roots(pyside)
    result = scan(roots, bundled_dirs(pyside), pyside)
    table = load_table()
    machine = elf_machine(roots[0]) if roots else 0

    if args.list:
        for soname in sorted(result.external, key=str.lower):
            users = result.external[soname]
            more = f" (+{len(users) - 2} more)" if len(users) > 2 else ""
            print(f"{soname} {table.get(soname, '?')}  <- {', '.join(users[:2])}{more}")
        return 0
    if args.write_table:
        text, unknown = write_table(result.external, table, machine)
        TABLE_PATH.write_text(text, encoding="utf-8")
        for soname in unknown:
            print(f"qt_system_libs: no package found for {soname}; add it by hand", file=sys.stderr)
        return 1 if unknown else 0

    if sys.platform != "linux" or not shutil.which("dpkg-query") or not shutil.which("apt-get"):
        return 0  # not Debian-like: nothing we can check or install here
    for soname in unlisted(result.external, table):
        print(f"qt_system_libs: warning: {soname} (needed by {result.external[soname][0]}) is not in {TABLE_PATH.name};"
              " regenerate it with `python scripts/qt_system_libs.py --write-table`", file=sys.stderr)
    packages = missing_packages(result.external, table, system_libraries(result.external, machine))
    if not packages:
        return 0
    if os.geteuid() != 0:
        print(f"sudo apt-get install -y --no-install-recommends {' '.join(packages)}", file=sys.stderr)
        return 1
    code = _apt_install(packages)
    still = missing_packages(result.external, table, system_libraries(result.external, machine))
    if code != 0 or still:
        print(f"qt_system_libs: apt-get could not install {' '.join(still or packages)}", file=sys.stderr)
        return code or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
