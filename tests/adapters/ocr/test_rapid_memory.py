"""RapidOCR's memory settings: arena sessions shrunk after every run, free heap returned after every page."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from ocula.adapters import memory
from ocula.adapters.ocr.rapid import RapidOCREngine, _shrink_sessions
from ocula.adapters.onnx import ARENA_SHRINKAGE, OnnxModel, ShrinkingSession
from ocula.adapters.orientation.rapid import bundled_model


def _sessions(engine: Any) -> dict[str, Any]:
    return {stage: getattr(engine, f"text_{stage}") for stage in ("det", "cls", "rec")}


def test_every_rapidocr_session_uses_the_arena_and_shrinks_it() -> None:
    engine = RapidOCREngine(threads=1)._load()
    for stage, model in _sessions(engine).items():
        session = model.session.session
        assert isinstance(session, ShrinkingSession), stage
        assert session.session.get_session_options().enable_cpu_mem_arena, stage
        assert session.run_options.get_run_config_entry(ARENA_SHRINKAGE) == "cpu:0", stage


def test_a_stage_rapidocr_does_not_use_is_not_loaded() -> None:
    engine = RapidOCREngine(threads=1, use_cls=False)._load()
    assert engine.text_cls is None
    assert isinstance(engine.text_det.session.session, ShrinkingSession)
    assert isinstance(engine.text_rec.session.session, ShrinkingSession)


def test_wrapping_twice_keeps_one_wrapper() -> None:
    engine = RapidOCREngine(threads=1)._load()
    session = engine.text_rec.session.session
    assert _shrink_sessions(engine) == 3
    assert engine.text_rec.session.session is session


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> list[int]:
        self.calls.append(run_options)
        return [1]

    def get_inputs(self) -> str:
        return "inputs"


def test_shrinking_session_passes_its_run_options_and_forwards_the_rest() -> None:
    inner = _Recorder()
    session = ShrinkingSession(inner)
    assert session.run(None, {"x": 0}) == [1]
    assert inner.calls[-1] is session.run_options
    given = object()
    session.run(None, {"x": 0}, given)
    assert inner.calls[-1] is given  # a caller's own options win
    assert session.get_inputs() == "inputs"


def test_bundled_onnx_models_shrink_their_arena() -> None:
    model = OnnxModel(bundled_model(), threads=1)
    session = model.session()
    assert isinstance(session, ShrinkingSession)
    assert session.session.get_session_options().enable_cpu_mem_arena
    out = model.run(np.zeros((1, 3, 224, 224), dtype=np.float32))
    assert out[0].shape[0] == 1


def test_release_heap_calls_malloc_trim_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    class Libc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            return 1

    monkeypatch.setattr(memory, "_libc", lambda: Libc())
    assert memory.release_heap() is True
    assert calls == [0]
    monkeypatch.setattr(memory, "_libc", lambda: None)
    assert memory.release_heap() is False


def test_map_large_blocks_fixes_glibcs_mmap_threshold_unless_the_user_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    def mallopt(param: int, value: int) -> int:
        calls.append((param, value))
        return 1

    class Libc:
        def __init__(self) -> None:
            self.mallopt = mallopt

    monkeypatch.setattr(memory, "_libc", lambda: Libc())
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    memory.map_large_blocks.cache_clear()
    assert memory.map_large_blocks() is True
    assert memory.map_large_blocks() is True and calls == [(-3, 4 * 1024 * 1024)]  # once per process
    memory.map_large_blocks.cache_clear()
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    assert memory.map_large_blocks() is False and len(calls) == 1  # the user's own threshold is kept
    memory.map_large_blocks.cache_clear()
    monkeypatch.setattr(memory, "_libc", lambda: None)
    assert memory.map_large_blocks() is False
    memory.map_large_blocks.cache_clear()


def test_building_rapidocr_maps_large_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    mapped: list[bool] = []
    monkeypatch.setattr("ocula.adapters.ocr.rapid.map_large_blocks", lambda: mapped.append(True) or True)
    RapidOCREngine(threads=1).read(np.full((64, 64, 3), 255, dtype=np.uint8))
    assert mapped == [True]


def test_rapidocr_read_returns_the_heap_after_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []
    monkeypatch.setattr("ocula.adapters.ocr.rapid.release_heap", lambda: released.append(True) or True)
    RapidOCREngine(threads=1).read(np.full((64, 64, 3), 255, dtype=np.uint8))
    assert released == [True]
