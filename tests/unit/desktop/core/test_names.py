"""The one naming rule for people and conversations."""

from __future__ import annotations

from desktop.core.names import conversation_title, display_name


def test_a_titled_conversation_shows_its_title() -> None:
    assert conversation_title("  Photo club ", ("alice", "bob"), "alice") == "Photo club"


def test_an_untitled_conversation_shows_the_other_members_as_they_spelled_their_names() -> None:
    assert conversation_title("", ("alice", "bob", "Carol"), "alice") == "bob, Carol"
    assert conversation_title("   ", ("alice", "bob"), "bob") == "alice"


def test_alone_it_is_just_you() -> None:
    assert conversation_title("", ("alice",), "alice") == "Just you"


def test_people_are_shown_by_their_username_unchanged() -> None:
    assert display_name("alice") == "alice"
