"""The ``original`` mark of an attachment: a strict JSON boolean, false when absent, and it round-trips."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from desktop.core.db.records import Attachment as Local
from sync.protocol import Attachment

PHOTO = {"blob": "a" * 64, "size": 10, "mime": "image/jpeg", "name": "IMG_1.jpg", "kind": "image"}


def test_absent_is_false_and_true_is_read() -> None:
    assert Attachment.model_validate(PHOTO).original is False
    assert Attachment.model_validate({**PHOTO, "original": True}).original is True


@pytest.mark.parametrize("value", ["true", 1, "1", None])
def test_anything_but_a_boolean_is_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        Attachment.model_validate({**PHOTO, "original": value})


def test_the_local_flag_travels_as_original() -> None:
    sent = Local(blob="a" * 64, size=10, mime="image/jpeg", name="IMG_1.jpg", kind="image", send_as_file=True)
    wire = sent.to_wire()
    assert wire["original"] is True and "send_as_file" not in wire
    assert Local.from_wire(Attachment.model_validate(wire).model_dump()).send_as_file
    assert "original" not in Local(blob="a" * 64, size=1, mime="image/png", name="x.png", kind="image").to_wire()
