"""ONNX models that ship inside Ocula's wheel, run on ONNX Runtime: one lazily built session per instance.

Every run gives its memory back: sessions allocate from ONNX Runtime's CPU arena (reused within a run, so
no allocation per tensor) and each run ends by shrinking the arena (`shrinking_run_options`), so a page's
activations do not stay resident after it is read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from ocula.schemas import ModelError


def weights_file(package_file: str, name: str) -> Path:
    """`weights/<name>` beside a module's file (`__file__` of the adapter); raises `ModelError` when absent."""
    path = Path(package_file).resolve().parent / "weights" / name
    if not path.is_file():
        raise ModelError(f"bundled model {path} is missing: reinstall ocula")
    return path


ARENA_SHRINKAGE = "memory.enable_memory_arena_shrinkage"


def shrinking_run_options() -> Any:
    """ONNX Runtime run options that free the CPU arena's unused regions at the end of each run."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry(ARENA_SHRINKAGE, "cpu:0")
    return options


class ShrinkingSession:
    """An ONNX Runtime session whose every `run` shrinks the CPU arena after it; anything else is the session's."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.run_options = shrinking_run_options()

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return self.session.run(output_names, input_feed, run_options or self.run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


class OnnxModel:
    """An ONNX file and its ONNX Runtime session, built on first use (thread-safe) and kept for the instance.

    `threads` is ONNX Runtime's intra-op thread count (-1: its default, all cores).
    """

    def __init__(self, path: str | Path, *, threads: int = -1) -> None:
        self.path = Path(path)
        self.threads = threads
        self._session: Any = None
        self._lock = threading.Lock()

    def session(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._build()
        return self._session

    def _build(self) -> Any:
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ModelError(f"ONNX Runtime is not installed: pip install onnxruntime ({err})") from err
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = True  # reused within a run, shrunk after it (`ShrinkingSession`)
        if self.threads > 0:
            options.intra_op_num_threads = self.threads
        try:
            session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # ONNX Runtime raises its own exception types on bad files
            raise ModelError(f"{self.path.name} could not be loaded: {err}") from err
        return ShrinkingSession(session)

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        """The model's outputs for its single input."""
        session = self.session()
        name = session.get_inputs()[0].name
        try:
            return list(session.run(None, {name: tensor}))
        except Exception as err:
            raise ModelError(f"{self.path.name} failed: {err}") from err

    def metadata_list(self, key: str = "character") -> list[str]:
        """A newline-separated list stored in the model's metadata (class names of the RapidAI models)."""
        meta = self.session().get_modelmeta().custom_metadata_map
        if key not in meta:
            raise ModelError(f"{self.path.name} has no {key!r} metadata")
        return [item for item in meta[key].splitlines() if item]
