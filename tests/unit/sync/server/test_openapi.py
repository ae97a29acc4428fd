"""The spec tells the truth: security on every operation, every error status with the one error schema, tus headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from sync.server.accounts import CurrentUser
from sync.server.app import create_app
from sync.server.config import ServerConfig
from sync.server.errors import Conflict, install_handlers
from sync.server.openapi import install
from sync.server.spec_marks import raises


class Body(BaseModel):
    name: str


PUBLIC = {("POST", "/v1/accounts"), ("POST", "/v1/tokens"), ("GET", "/healthz"), ("OPTIONS", "/v1/uploads")}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return create_app(ServerConfig(data_dir=tmp_path_factory.mktemp("spec"))).openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_security_on_every_operation(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /v1/tokens."}
    for method, path, op in _operations(spec):
        if (method, path) in PUBLIC:
            assert op["security"] == [], (method, path)
        elif path in ("/v1/media/{sha256}", "/v1/media/{sha256}/access"):
            assert op["security"] == [{"bearer": []}, {"signedLink": []}]
            assert {"user", "expires"} <= {p["name"] for p in op["parameters"]}
        else:
            assert op["security"] == [{"bearer": []}], (method, path)
            assert "401" in op["responses"], (method, path)
        assert all(p["name"].lower() != "authorization" for p in op.get("parameters", []))


def test_every_error_status_has_the_error_schema(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
    for method, path, op in _operations(spec):
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "500" in errors, (method, path)
        for status, answer in errors.items():
            assert answer["description"].startswith("Error: `"), (method, path, status)
            if method != "HEAD":
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if "{" in path:
            assert "404" in errors, (method, path)


def test_tus_routes_document_their_headers(spec: dict[str, Any]) -> None:
    def names(op: dict[str, Any]) -> set[str]:
        return {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}

    uploads, upload = spec["paths"]["/v1/uploads"], spec["paths"]["/v1/uploads/{upload_id}"]
    assert {"Tus-Resumable", "Upload-Length", "Upload-Metadata"} <= names(uploads["post"])
    assert {"Location", "Upload-Expires", "Tus-Resumable"} <= set(uploads["post"]["responses"]["201"]["headers"])
    assert {"Tus-Version", "Tus-Extension", "Tus-Max-Size"} <= set(uploads["options"]["responses"]["204"]["headers"])
    assert {"Upload-Offset", "Upload-Length", "Upload-Expires"} <= set(upload["head"]["responses"]["200"]["headers"])
    assert {"Tus-Resumable", "Upload-Offset", "Upload-Checksum"} <= names(upload["patch"])
    assert "application/offset+octet-stream" in upload["patch"]["requestBody"]["content"]
    assert {"Upload-Offset", "Upload-Expires"} <= set(upload["patch"]["responses"]["204"]["headers"])
    assert "412" in upload["delete"]["responses"] and "460" in upload["patch"]["responses"]


def test_media_documents_partial_and_unchanged_answers_and_no_head_body(spec: dict[str, Any]) -> None:
    media = spec["paths"]["/v1/media/{sha256}"]
    assert {"200", "206", "304", "416", "403"} <= set(media["get"]["responses"])
    assert media["get"]["responses"]["206"]["headers"]["Content-Range"]
    assert media["get"]["responses"]["200"]["headers"]["Content-Security-Policy"]
    assert all("content" not in answer for answer in media["head"]["responses"].values())


def test_a_new_route_is_documented_by_its_shape_and_its_mark(tmp_path: Path) -> None:
    router = APIRouter()

    @router.post("/v1/things/{thing_id}")
    @raises(Conflict)
    def thing(thing_id: str, body: Body, user: CurrentUser) -> dict[str, str]:
        return {}

    @router.get("/v1/open")
    def open_route(page: str | None = None) -> dict[str, str]:
        return {}

    app = FastAPI()
    install_handlers(app)
    app.include_router(router)
    install(app)
    spec = app.openapi()
    post = spec["paths"]["/v1/things/{thing_id}"]["post"]
    assert set(post["responses"]) == {"200", "400", "401", "404", "409", "413", "422", "429", "500", "507"}
    assert post["security"] == [{"bearer": []}]
    get = spec["paths"]["/v1/open"]["get"]
    assert set(get["responses"]) == {"200", "400", "500"} and get["security"] == []


def _takes_count(text: str, maximum: int) -> bool:
    from sync.server.numbers import BadNumber, parse_count

    try:
        parse_count(text, name="n", maximum=maximum)
    except BadNumber:
        return False
    return True


def _query(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["paths"][path][method]["parameters"] if p["in"] == "query"}


def test_numbers_read_from_the_query_are_documented_as_the_server_reads_them(spec: dict[str, Any]) -> None:
    """Whole numbers are integers with the route's bounds (an empty `before=` is not schema-valid, it is a 400)."""
    top = 2**63 - 1
    history = _query(spec, "/v1/conversations/{conversation_id}/messages")
    assert history["before"]["schema"] == {"type": "integer", "minimum": 1, "maximum": top}
    assert history["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    feed = _query(spec, "/v1/sync")
    assert feed["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    cursor = re.compile(feed["cursor"]["schema"]["pattern"])
    for text in ["", "0", "7", "0" * 19, "0" * 20, str(top), str(top + 1), str(top - 1), "0" + str(top)[1:],
                 "9" * 18, "9" * 19, "1" + "0" * 18, "9223372036854775799", "9223372036854775810", "-1", "1.0", "²"]:
        assert bool(cursor.search(text)) == (text == "" or _takes_count(text, top)), text
    for method in ("get", "head"):
        assert _query(spec, "/v1/media/{sha256}", method)["expires"]["schema"] == {
            "type": "integer", "minimum": 0, "maximum": top}
    assert all(not p["required"] for p in [*history.values(), *feed.values()])


def test_the_wait_pattern_takes_exactly_what_the_server_takes(spec: dict[str, Any]) -> None:
    import itertools

    from sync.server.feed import MAX_WAIT_S
    from sync.server.numbers import BadNumber, parse_seconds

    pattern = re.compile(_query(spec, "/v1/sync")["wait"]["schema"]["pattern"])

    def server_takes(text: str) -> bool:
        try:
            parse_seconds(text, name="wait", maximum=MAX_WAIT_S)
        except BadNumber:
            return False
        return True

    samples = ["".join(chars) for n in range(1, 5) for chars in itertools.product("0569.", repeat=n)]
    samples += ["0" * 9, "0" * 10, "0" * 7 + "59", "0" * 8 + "59", "0" * 7 + "60", "0" * 7 + "61", "60." + "0" * 9,
                "60." + "0" * 10, "59." + "9" * 9, "59." + "9" * 10, "60.000000001", "1e1", "+1", " 1", "1_0", "",
                "²", "٣", "-0", ".5", "5.", "100", "600"]
    for text in samples:
        assert bool(pattern.search(text)) == server_takes(text), text


def test_the_checksum_pattern_takes_exactly_what_the_server_takes(spec: dict[str, Any]) -> None:
    from starlette.requests import Request

    from sync.server.errors import APIError
    from sync.server.tus import parse_checksum

    patch = spec["paths"]["/v1/uploads/{upload_id}"]["patch"]
    schema = next(p["schema"] for p in patch["parameters"] if p["name"] == "Upload-Checksum")
    pattern = re.compile(schema["pattern"])

    def server_takes(value: str) -> bool:
        request = Request({"type": "http", "headers": [(b"upload-checksum", value.encode("latin-1"))]})
        try:
            parse_checksum(request)
        except APIError:
            return False
        return True

    for value in ["sha256 ", "sha256 AAAA", "SHA256 AAA=", "Sha256  AA==", "sha256 AA=", "sha256 A===",
                  "sha256 AAAAA", "sha256 AA==AAAA", "sha256 +/+/", "md5 AAAA", "sha256", "sha256\tAAAA",
                  "sha256 AA AA", "", "sha2 AAAA", "sha256 AAAA\x7f", "sha256 \u00e9AAA"]:
        assert bool(pattern.search(value)) == server_takes(value), value
