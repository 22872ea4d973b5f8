"""The review app over HTTP (Starlette's TestClient): the token, bounds, no path traversal, the page's requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ocula.review import ReviewSession
from ocula.review.app import MAX_BODY, create_app
from tests.fixtures.review import receipt_record, truth_ocr, write_results

TOKEN = "s3cret-token"
WRITE = {"X-Ocula-Token": TOKEN}


@pytest.fixture
def client(session: ReviewSession) -> TestClient:
    return TestClient(create_app(session, TOKEN), base_url="http://127.0.0.1:8765")


def test_the_page_and_its_assets_come_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/app.js"' in page.text
    for name, kind in (("app.js", "javascript"), ("page.js", "javascript"), ("style.css", "css")):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"] and len(asset.content) > 500
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"


def test_every_api_request_needs_the_session_token(client: TestClient) -> None:
    assert client.get("/api/session").status_code == 403
    assert client.get("/api/session?token=wrong").status_code == 403
    assert client.get(f"/api/session?token={TOKEN}").json()["documents"] == 3
    assert client.get("/api/session", headers=WRITE).status_code == 200
    assert client.get("/api/docs/0/pages/0.png").status_code == 403
    edit = {"action": "edit", "path": "total", "value": "50.55"}
    assert client.post("/api/docs/0/fields", json=edit).status_code == 403
    assert client.post(f"/api/docs/0/fields?token={TOKEN}", json=edit).status_code == 403  # writes: header only
    assert client.post("/api/docs/0/fields", json=edit, headers={"X-Ocula-Token": "wrong"}).status_code == 403
    assert client.post("/api/docs/0/fields", json=edit, headers=WRITE).status_code == 200


def test_writes_take_json_only_and_bounded_bodies(client: TestClient) -> None:
    form = client.post("/api/docs/0/fields", data={"action": "edit"}, headers=WRITE)
    assert form.status_code == 415
    big = json.dumps({"action": "edit", "path": "total", "value": "9" * (MAX_BODY + 10)})
    too_big = client.post("/api/docs/0/fields", content=big, headers=WRITE | {"Content-Type": "application/json"})
    assert too_big.status_code == 413
    long_value = client.post(
        "/api/docs/0/fields", json={"action": "edit", "path": "company", "value": "x" * 20_000}, headers=WRITE
    )
    assert long_value.status_code == 400 and "at most" in long_value.json()["error"]
    bad = client.post("/api/docs/0/fields", content=b"{not json", headers=WRITE | {"Content-Type": "application/json"})
    assert bad.status_code == 400


def test_a_request_for_another_host_name_is_refused(client: TestClient) -> None:
    # a page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host
    answer = client.get(f"/api/session?token={TOKEN}", headers={"Host": "evil.example:8765"})
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/..%2F..%2Fpyproject.toml",
        "/static/__init__.py",
        "/api/docs/../../../etc/passwd",
        "/api/docs/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/docs/9",
        "/api/docs/-1",
        "/api/docs/0/pages/1.png",
        "/api/docs/0/pages/-1.png",
        "/api/docs/0/pages/..%2f..%2fetc%2fpasswd.png",
        "/api/docs/2/pages/../../../results.jsonl",
        "/results.jsonl",
        "/etc/passwd",
    ],
)
def test_no_request_reaches_a_file_the_results_do_not_name(client: TestClient, url: str) -> None:
    answer = client.get(url + ("&" if "?" in url else "?") + f"token={TOKEN}")
    assert answer.status_code in (400, 404), (url, answer.status_code)
    assert b"root:" not in answer.content and b"receipt-key" not in answer.content and b"import" not in answer.content


def test_a_named_file_that_is_no_document_is_not_served(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0 password\n")
    results = write_results(tmp_path / "r.jsonl", [receipt_record(str(secret))])
    client = TestClient(create_app(ReviewSession(results, "sroie", ocr=truth_ocr), TOKEN), base_url="http://127.0.0.1")
    view = client.get(f"/api/docs/0?token={TOKEN}").json()
    assert view["pages"] == [] and view["page_error"]
    image = client.get(f"/api/docs/0/pages/0.png?token={TOKEN}")
    assert image.status_code in (404, 422) and b"password" not in image.content


def test_page_images_and_text(client: TestClient) -> None:
    image = client.get(f"/api/docs/1/pages/1.png?token={TOKEN}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(image.content)).size == (1240, 1754)
    lines = client.get(f"/api/docs/0/pages/0/text?token={TOKEN}").json()
    assert lines[0]["text"] == "KEDAI RUNCIT MAJU JAYA" and lines[0]["words"][0]["text"] == "KEDAI"


def test_the_pages_requests_check_correct_add_undo_and_finish(client: TestClient, results: Path) -> None:
    check = client.post("/api/docs/0/check", json={"path": "total", "value": "fifty"}, headers=WRITE)
    assert check.status_code == 422 and check.json() == {"error": "Input should be a valid decimal", "path": "total"}
    assert client.post("/api/docs/0/check", json={"path": "total", "value": "50.55"}, headers=WRITE).json() == {
        "value": "50.55"
    }
    edited = client.post(
        "/api/docs/0/fields", json={"action": "edit", "path": "total", "value": "50.55"}, headers=WRITE
    )
    assert edited.json()["change"]["new"]["value"] == "50.55"
    assert {f["path"]: f["value"] for f in edited.json()["document"]["fields"]}["total"] == "50.55"
    added = client.post("/api/docs/1/items", json={"path": "household"}, headers=WRITE).json()
    assert "household.1.name" in {f["path"] for f in added["document"]["fields"]}
    undone = client.post("/api/docs/1/undo", json={}, headers=WRITE).json()
    assert "household.1.name" not in {f["path"] for f in undone["document"]["fields"]}
    done = client.post("/api/docs/0/done", json={}, headers=WRITE).json()
    assert done["document"]["done"] is True
    queue = client.get(f"/api/queue?token={TOKEN}&pending=1").json()
    assert 0 not in [e["id"] for e in queue]
    assert client.get(f"/api/queue?token={TOKEN}&status=bogus").status_code == 400
    assert client.get(f"/api/queue?token={TOKEN}&below=x").status_code == 400
    unknown = client.post("/api/docs/0/fields", json={"action": "delete", "path": "total"}, headers=WRITE)
    assert unknown.status_code == 400
    log = (results.parent / "results.corrections.jsonl").read_text().splitlines()
    assert [json.loads(x)["action"] for x in log] == ["edit", "add_item", "undo", "done"]
