"""Serving the review app on uvicorn: loopback by default, a fresh token per session, the address printed."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable

from ocula.errors import OculaError
from ocula.review.app import LOOPBACK_HOSTS, create_app
from ocula.review.session import ReviewSession

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_CONNECTIONS = 64


class HostRefused(OculaError):
    """A non-loopback address asked for without saying so explicitly."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse an address other machines can reach unless the caller allowed it (the CLI: `--host` given)."""
    if not is_loopback(host) and not allow_remote:
        raise HostRefused(
            f"{host} is reachable from other machines; the review serves your documents: give --host {host} "
            "explicitly to allow it"
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as err:
        sock.close()
        hint = "; use another --port (0: any free port)" if port else ""
        raise OculaError(f"cannot listen on {host}:{port}: {err.strerror or err}{hint}") from None
    return sock


def review_url(host: str, port: int, token: str) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/?token={token}"


def serve(
    session: ReviewSession,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    allow_remote: bool = False,
    open_browser: bool = True,
    on_ready: Callable[[str], None] = print,
) -> None:
    """Serve `session` until interrupted; `on_ready(url)` is called with the address (token included)."""
    import uvicorn

    check_host(host, allow_remote)
    token = secrets.token_urlsafe(24)
    sock = bind(host, port)
    url = review_url(host, sock.getsockname()[1], token)
    allowed = LOOPBACK_HOSTS if is_loopback(host) else ["*"]
    app = create_app(session, token, allowed_hosts=allowed)
    config = uvicorn.Config(
        app, log_level="warning", limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5, access_log=False
    )
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            on_ready(url)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run(sockets=[sock])
