"""Received files that can run code when opened: the one rule for when Open asks first."""

from __future__ import annotations

from pathlib import Path

from sync.filenames import clean_filename

# Extensions a desktop (Windows, macOS, Linux) may run, install or hand to an interpreter or a
# browser when the file is opened. Lower case, without the dot.
RISKY_EXTENSIONS = frozenset({
    # Windows programs, installers, scripts and shortcuts
    "exe", "msi", "msp", "msix", "appx", "bat", "cmd", "com", "scr", "pif", "cpl", "dll", "sys",
    "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "url", "reg",
    "inf", "scf", "msc", "gadget", "application", "appref-ms", "chm", "iso", "img", "vhd", "vhdx",
    "library-ms", "settingcontent-ms",
    # Unix shells, desktop launchers, packages and binaries
    "sh", "bash", "zsh", "ksh", "csh", "fish", "command", "tool", "desktop", "appimage", "run", "bin",
    "elf", "so", "out", "deb", "rpm", "snap", "flatpakref", "flatpak", "ko",
    # macOS
    "app", "dmg", "pkg", "mpkg", "scpt", "applescript", "workflow", "terminal", "webloc", "dylib",
    # Interpreted languages
    "py", "pyw", "pyc", "pyz", "pl", "pm", "rb", "php", "lua", "tcl", "mjs", "cjs", "vb",
    "jar", "jnlp", "class", "apk", "xapk", "ipa", "swf",
    # Documents a browser runs scripts in
    "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl",
    # Office documents with macros
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm",
})
_RUNNABLE_MAGIC = (
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
    (b"#!", "a script"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
)
HEAD_BYTES = 8


def extension(name: str) -> str:
    """The extension a desktop goes by, lower case: the last one of the cleaned name ("photo.jpg.exe": "exe")."""
    stem, dot, ext = clean_filename(name).rpartition(".")
    return ext.strip().lower() if dot and stem else ""


def runnable_content(head: bytes) -> str | None:
    """What the first bytes say the file is when it is a program or script ("a Linux program"), else None."""
    return next((what for magic, what in _RUNNABLE_MAGIC if head.startswith(magic)), None)


def is_risky(name: str, head: bytes = b"") -> bool:
    """Whether opening a received file named ``name`` (whose content starts with ``head``) may run code.

    The last extension decides (case does not matter, and a ``photo.jpg.exe`` is an ``exe``); a name
    with no extension is judged by its content: a program (ELF, PE, Mach-O) or a script (``#!``).
    """
    ext = extension(name)
    if ext:
        return ext in RISKY_EXTENSIONS
    return runnable_content(head) is not None


def is_risky_file(name: str, path: Path) -> bool:
    """``is_risky`` with the first bytes read from ``path`` (blocking; a file that can't be read is risky)."""
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return True
    return is_risky(name, head)


def risk_sentence(name: str, sender: str) -> str:
    """The question before opening: it names the file, the risk and the person it came from."""
    who = f"you trust {sender} and" if sender else "you"
    return (f"{clean_filename(name)} can run programs on this computer. Open it only if {who} "
            "expected this file.")
