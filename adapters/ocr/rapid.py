"""RapidOCR 3.x (PP-OCR detection + recognition on ONNX Runtime), with the models shipped in the package.

Memory: RapidOCR's sessions allocate from ONNX Runtime's CPU arena and shrink it after every run
(`ShrinkingSession`), and the allocator's free pages go back to the OS after every page (`release_heap`): a dense
page's detection and recognition buffers (hundreds of MB) then do not stay resident while the model decodes.
Blocks of 4 MB or more get mappings of their own (`map_large_blocks`, set when the engine is built), so a long
run's heap does not grow with them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocula.adapters.memory import map_large_blocks, release_heap
from ocula.adapters.ocr.base import as_rgb, proportional_words, quad_to_points
from ocula.adapters.onnx import ShrinkingSession
from ocula.schemas import BBox, Line, ModelError, OCRPage, Word

# RapidOCR 3.x builds each stage's model on first use (these private loaders) and keeps its ONNX Runtime session
# as `text_<stage>.session.session`; `_shrink_sessions` loads them up front and wraps each session.
_STAGES = (("det", "_load_det_model"), ("cls", "_load_cls_model"), ("rec", "_load_rec_model"))

_WordResult = tuple[str, float, Sequence[Sequence[float]]]


def _bundled_models() -> dict[str, Path]:
    """Paths of the detection, angle-classifier and recognition models inside the rapidocr package."""
    try:
        import rapidocr
    except ImportError as err:
        raise ModelError("RapidOCR is not installed: pip install rapidocr onnxruntime") from err
    root = Path(rapidocr.__file__).resolve().parent / "models"
    found: dict[str, Path] = {}
    for task in ("det", "cls", "rec"):
        paths = sorted(root.glob(f"*_{task}_*.onnx"))
        if len(paths) != 1:
            raise ModelError(f"expected one bundled RapidOCR {task} model in {root}, found {len(paths)}")
        found[task] = paths[0]
    return found


def _squash(text: str) -> str:
    return "".join(text.split())


def _align_words(texts: Sequence[str], word_results: Sequence[Sequence[_WordResult]]) -> list[list[_WordResult] | None]:
    """Assign RapidOCR's word groups to lines by text.

    RapidOCR drops the group of a line whose words got no boxes, so groups and lines can fall out of step;
    a group belongs to a line only when its words spell the line's text.
    """
    out: list[list[_WordResult] | None] = []
    j = 0
    for text in texts:
        group = list(word_results[j]) if j < len(word_results) else None
        if group and _squash("".join(w[0] for w in group)) == _squash(text):
            out.append(group)
            j += 1
        else:
            out.append(None)
    return out


def _shrink_sessions(engine: Any) -> int:
    """Load RapidOCR's ONNX Runtime stages now and make each run shrink its arena; how many were wrapped (the
    stages this RapidOCR has: none when its internals differ, which changes memory only, not results)."""
    wrapped = 0
    for stage, loader in _STAGES:
        load = getattr(engine, loader, None)
        if callable(load) and getattr(engine, f"use_{stage}", True):
            load()
        holder = getattr(getattr(engine, f"text_{stage}", None), "session", None)
        session = getattr(holder, "session", None)
        if session is None or not callable(getattr(session, "run", None)):
            continue
        if not isinstance(session, ShrinkingSession):
            holder.session = ShrinkingSession(session)
        wrapped += 1
    return wrapped


class RapidOCREngine:
    """RapidOCR with line quads, line scores and word boxes (`return_word_box`), fully offline.

    Word boxes come from the recogniser's character positions; a line whose words RapidOCR cannot box is
    split proportionally by character count instead.

    Options:
      text_score: drop lines the recogniser is less sure of than this (0-1).
      det_limit_side_len, det_limit_type: the detector resizes so that the image's `min` (or `max`) side is
        this many pixels; raise it for small print on large pages.
      max_side_len: pages larger than this are shrunk before detection.
      box_thresh, unclip_ratio: detector post-processing (lower `box_thresh` finds fainter text).
      max_lines: the most text boxes the detector keeps on a page (RapidOCR's own default, 1000, drops the
        rest of a dense table's cells without a word).
      rec_batch: text lines the recogniser reads in one batch (each batch padded to its widest line). 1, not
        RapidOCR's 6: no padding, 0.89x the CPU time, same line recall, closer texts on the development
        receipts (benchmarks/tune_rapidocr.py).
      use_cls: run the 0/180 degree text-direction classifier.
      word_boxes: return word boxes (costs a little time).
      threads: ONNX Runtime intra-op threads (-1: all cores).
      params: any other RapidOCR config keys, e.g. {"Det.thresh": 0.2}.
    """

    name = "rapidocr"

    def __init__(
        self,
        *,
        text_score: float = 0.5,
        det_limit_side_len: int = 736,
        det_limit_type: str = "min",
        max_side_len: int = 2000,
        box_thresh: float = 0.5,
        unclip_ratio: float = 1.6,
        max_lines: int = 5000,
        rec_batch: int = 1,
        use_cls: bool = True,
        word_boxes: bool = True,
        threads: int = -1,
        params: dict[str, Any] | None = None,
    ) -> None:
        if det_limit_type not in ("min", "max"):
            raise ValueError(f"det_limit_type must be 'min' or 'max', got {det_limit_type!r}")
        if rec_batch < 1:
            raise ValueError(f"rec_batch must be at least 1, got {rec_batch}")
        self.word_boxes = word_boxes
        self._params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.text_score": text_score,
            "Global.max_side_len": max_side_len,
            "Global.use_cls": use_cls,
            "Global.return_word_box": word_boxes,
            "Det.limit_side_len": det_limit_side_len,
            "Det.limit_type": det_limit_type,
            "Det.box_thresh": box_thresh,
            "Det.unclip_ratio": unclip_ratio,
            "Det.max_candidates": max_lines,
            "Rec.rec_batch_num": rec_batch,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,  # shrunk after every run: `_shrink_sessions`
            **(params or {}),
        }
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def max_side(self) -> int | None:
        """RapidOCR shrinks a page whose longest side is over `Global.max_side_len` to it before reading (its
        detector and recogniser see only the shrunk page); None when its preprocessing is turned off."""
        if not self._params.get("Global.use_preprocess_img", True):
            return None
        side = self._params.get("Global.max_side_len")
        return int(side) if side else None

    def _load(self) -> Any:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._build()
        return self._engine

    def _build(self) -> Any:
        models = _bundled_models()
        try:
            import onnxruntime  # noqa: F401  (RapidOCR's default inference engine)
            from rapidocr import RapidOCR
        except ImportError as err:
            raise ModelError(f"RapidOCR needs onnxruntime: pip install onnxruntime ({err})") from err
        params = {
            # Explicit model paths: RapidOCR then never reaches its download code.
            "Det.model_path": str(models["det"]),
            "Cls.model_path": str(models["cls"]),
            "Rec.model_path": str(models["rec"]),
            **self._params,
        }
        try:
            engine = RapidOCR(params=params)
        except Exception as err:  # RapidOCR raises plain exceptions on bad config or models
            raise ModelError(f"RapidOCR could not be set up: {err}") from err
        _shrink_sessions(engine)
        map_large_blocks()
        return engine

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        rgb = as_rgb(image)
        engine = self._load()
        try:
            result = engine(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))  # RapidOCR takes arrays as BGR
        except Exception as err:
            raise ModelError(f"RapidOCR failed: {err}") from err
        height, width = rgb.shape[:2]
        lines = self._lines(result, page, width, height)
        del result
        release_heap()
        return OCRPage(page=page, width=width, height=height, lines=lines, engine=self.name)

    def _lines(self, result: Any, page: int, width: int, height: int) -> list[Line]:
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        if boxes is None or texts is None or len(texts) == 0:
            return []
        scores = list(result.scores)
        groups: list[list[_WordResult] | None] = [None] * len(texts)
        if self.word_boxes and result.word_results:
            groups = _align_words(texts, result.word_results)
        lines: list[Line] = []
        for quad, text, score, group in zip(boxes, texts, scores, groups, strict=True):
            polygon = quad_to_points(quad)
            box = BBox.from_polygon(polygon, page=page).clip(width, height)
            conf = float(score)
            if group:
                words = [
                    Word(text=w, box=BBox.from_polygon(q, page=page).clip(width, height), confidence=float(s))
                    for w, s, q in group
                ]
            else:
                words = proportional_words(text, box, conf)
            lines.append(Line(text=text, box=box, confidence=conf, words=words, polygon=polygon))
        return lines
