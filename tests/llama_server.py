"""A real OpenAI-compatible server for tests: llama-cpp-python's server on the bundled GGUF, on a loopback port."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_MODULES = ("fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
MODEL_ALIAS = "smollm2"


def missing_server_modules() -> list[str]:
    return [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    base_url: str
    api_key: str
    model_id: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start_llama_server(gguf: Path, api_key: str, ready_within: float = 180.0) -> LlamaServer:
    """Start `python -m llama_cpp.server` and return once it answers `GET /v1/models`."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="ocula-llama-server-", suffix=".log")[1])
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL_ALIAS]
    command += ["--host", "127.0.0.1", "--port", str(port), "--api_key", api_key, "--n_ctx", "4096"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", api_key, MODEL_ALIAS, process, log)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            answer = httpx.get(f"{server.base_url}/models", headers={"Authorization": f"Bearer {api_key}"}, timeout=2)
            if answer.status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"llama_cpp.server not ready within {ready_within:g} s:\n{log.read_text()[-2000:]}")
