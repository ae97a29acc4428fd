"""A bulk save in its own process, for the full-disk test: ``python -m tests.integration.copy_out_child``.

Usage: copy_out_child DATA_DIR FOLDER CONVERSATION_ID
Saves every file of the conversation into FOLDER and prints one JSON line: the sentence it stopped
with ("" when it did not) and the sha256 of each file in FOLDER afterwards, by name.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from desktop.core.engine import Engine
from desktop.core.export.bulk import conversation_media, save_attachments
from desktop.core.export.copyout import CopyStopped


def main(data_dir: str, folder: str, conversation_id: str) -> int:
    engine = Engine(Path(data_dir), long_poll_s=1).start()
    try:
        items = conversation_media(engine, conversation_id, ("image", "video", "audio", "file"))
        try:
            save_attachments(engine, Path(folder), [i.attachment for i in items])
            sentence = ""
        except CopyStopped as exc:
            sentence = str(exc)
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in Path(folder).iterdir() if p.is_file()}
        print(json.dumps({"sentence": sentence, "files": files}), flush=True)
        return 0
    finally:
        engine.stop()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
