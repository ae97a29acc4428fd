"""The one naming rule for people and conversations."""

from __future__ import annotations

from desktop.core.names import conversation_title, display_name, sender_beside


def test_a_titled_conversation_shows_its_title() -> None:
    assert conversation_title("  Photo club ", ("alice", "bob"), "alice") == "Photo club"


def test_an_untitled_conversation_shows_the_other_members_as_they_spelled_their_names() -> None:
    assert conversation_title("", ("alice", "bob", "Carol"), "alice") == "bob, Carol"
    assert conversation_title("   ", ("alice", "bob"), "bob") == "alice"


def test_alone_it_is_just_you() -> None:
    assert conversation_title("", ("alice",), "alice") == "Just you"


def test_people_are_shown_by_their_username_unchanged() -> None:
    assert display_name("alice") == "alice"


def test_beside_a_title_the_sender_is_named_unless_the_title_already_is_their_name() -> None:
    assert sender_beside("alice", "alice") == ""  # a one-to-one chat with alice: "alice", not "alice · alice"
    assert sender_beside("Photo club", "alice") == "alice"
    assert sender_beside("alice, bob", "bob") == "bob"  # which of the two said it
