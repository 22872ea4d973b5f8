"""The review web app (Starlette): the page, its assets from the package, and the JSON API the page calls.

Every API request carries the session's token (reads: `?token=` or the `X-Ocula-Token` header; writes: the
header only, with a JSON body, so a form on another site cannot post here). Requests name documents by id,
pages and OCR lines by index: no request names a file. Bodies, values and counts are bounded.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ocula.errors import OculaError
from ocula.review.session import NotFound, ReviewError, ReviewSession
from ocula.review.state import FieldInvalid

MAX_BODY = 64 * 1024
TOKEN_HEADER = "x-ocula-token"
ASSETS = {"app.js": "text/javascript", "page.js": "text/javascript", "style.css": "text/css", "index.html": "text/html"}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
}
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def asset(name: str) -> bytes:
    return resources.files("ocula.review").joinpath("static", name).read_bytes()


class _Headers:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(session: ReviewSession, token: str, allowed_hosts: list[str] | None = None) -> Starlette:
    """The app for `session`; `allowed_hosts` are the Host headers it answers (default: loopback names only)."""

    def authorised(request: Request, write: bool) -> None:
        given = request.headers.get(TOKEN_HEADER) or ("" if write else request.query_params.get("token", ""))
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Refused(403, "missing or wrong session token: open the address `ocula review` printed")

    async def body(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise Refused(415, "send JSON (Content-Type: application/json)")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            raise Refused(413, f"request body over {MAX_BODY} bytes")
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise Refused(413, f"request body over {MAX_BODY} bytes")
        try:
            parsed = json.loads(data or b"{}")
        except ValueError:
            raise Refused(400, "the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise Refused(400, "the body is not a JSON object")
        return parsed

    def endpoint(
        handler: Callable[[Request, dict[str, Any]], Any], write: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                authorised(request, write)
                data = await body(request) if write else {}
                result = await run_in_threadpool(handler, request, data)
            except Refused as err:
                return JSONResponse({"error": err.message}, err.status)
            except FieldInvalid as err:
                return JSONResponse({"error": err.message, "path": err.path}, 422)
            except NotFound as err:
                return JSONResponse({"error": str(err)}, 404)
            except ReviewError as err:
                return JSONResponse({"error": str(err)}, 400)
            except OculaError as err:
                return JSONResponse({"error": str(err)}, 422)
            if isinstance(result, Response):
                return result
            return JSONResponse(result, headers={"cache-control": "no-store"})

        return run

    def doc_id(request: Request) -> int:
        return int(request.path_params["doc"])

    def page_index(request: Request) -> int:
        return int(request.path_params["page"])

    def session_info(request: Request, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "results": session.path.name,
            "corrections": session.store.path.name,
            "reviewer": session.reviewer,
            "documents": len(session.results.documents),
            "schemas": session.schemas(),
            "resume": session.resume_id(),
        }

    def queue(request: Request, _: dict[str, Any]) -> list[dict[str, Any]]:
        q = request.query_params
        status = q.get("status") or None
        if status is not None and status not in ("ok", "partial", "failed"):
            raise ReviewError(f"status {status!r}: use ok, partial or failed")
        try:
            below = float(q["below"]) if q.get("below") else None
        except ValueError:
            raise ReviewError(f"below {q.get('below')!r} is not a number") from None
        return session.queue(status, below, q.get("schema") or None, q.get("pending") in ("1", "true"))

    def view(request: Request, _: dict[str, Any]) -> dict[str, Any]:
        return session.view(doc_id(request))

    def image(request: Request, _: dict[str, Any]) -> Response:
        page = session.page_image(doc_id(request), page_index(request))
        return Response(page.png, media_type="image/png", headers={"cache-control": "private, max-age=3600"})

    def text(request: Request, _: dict[str, Any]) -> list[dict[str, Any]]:
        return session.page_text(doc_id(request), page_index(request))

    def check(request: Request, data: dict[str, Any]) -> dict[str, Any]:
        return {"value": session.check(doc_id(request), data.get("path"), data.get("value"))}  # type: ignore[arg-type]

    def correct(request: Request, data: dict[str, Any]) -> dict[str, Any]:
        pick = data.get("pick")
        if pick is not None and not isinstance(pick, dict):
            raise ReviewError("pick is an object")
        stored = session.correct(
            doc_id(request),
            str(data.get("action")),
            data.get("path"),
            data.get("value"),
            pick,  # type: ignore[arg-type]
        )
        return {"change": stored, "document": session.view(doc_id(request))}

    def add_item(request: Request, data: dict[str, Any]) -> dict[str, Any]:
        stored = session.add_item(doc_id(request), str(data.get("path")))
        return {"change": stored, "document": session.view(doc_id(request))}

    def undo(request: Request, _: dict[str, Any]) -> dict[str, Any]:
        return {"change": session.undo(doc_id(request)), "document": session.view(doc_id(request))}

    def done(request: Request, _: dict[str, Any]) -> dict[str, Any]:
        return {"change": session.done(doc_id(request)), "document": session.view(doc_id(request))}

    async def static(request: Request) -> Response:
        name = request.path_params.get("name", "index.html")
        if name not in ASSETS:
            return JSONResponse({"error": "not found"}, 404)
        return Response(asset(name), media_type=ASSETS[name], headers={"cache-control": "no-cache"})

    doc = "/api/docs/{doc:int}"
    routes = [
        Route("/", static),
        Route("/static/{name}", static),
        Route("/api/session", endpoint(session_info)),
        Route("/api/queue", endpoint(queue)),
        Route(doc, endpoint(view)),
        Route(doc + "/pages/{page:int}.png", endpoint(image)),
        Route(doc + "/pages/{page:int}/text", endpoint(text)),
        Route(doc + "/check", endpoint(check, write=True), methods=["POST"]),
        Route(doc + "/fields", endpoint(correct, write=True), methods=["POST"]),
        Route(doc + "/items", endpoint(add_item, write=True), methods=["POST"]),
        Route(doc + "/undo", endpoint(undo, write=True), methods=["POST"]),
        Route(doc + "/done", endpoint(done, write=True), methods=["POST"]),
    ]
    middleware = [
        Middleware(_Headers),
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS),
    ]
    return Starlette(routes=routes, middleware=middleware)
