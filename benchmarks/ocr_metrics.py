"""Scoring OCR against ground-truth text boxes: greedy one-to-one IoU matching, recall, precision and the
normalised edit distance of matched text; plus readers for the SROIE and FUNSD ground truth.

Conventions (the development data's README): boxes are axis-aligned (a quad's min/max), a pair matches at
IoU >= 0.5, text is compared case-insensitively (white space runs collapsed) by Levenshtein distance over
the longer string's length (0 = identical).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextBox:
    box: Box  # x0, y0, x1, y1 in pixels
    text: str


# geometry and matching --------------------------------------------------------------------------


def iou(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match_greedy(pred: Sequence[Box], gt: Sequence[Box], threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """One-to-one pairs `(pred_index, gt_index, iou)` with IoU >= `threshold`, taken best IoU first."""
    pairs = [(iou(p, g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gt)]
    pairs = [pair for pair in pairs if pair[0] >= threshold]
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for value, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j, value))
    return out


# text -------------------------------------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions), two-row dynamic programme."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalize_text(text: str) -> str:
    return " ".join(text.lower().split())


def normalized_edit_distance(a: str, b: str) -> float:
    """Levenshtein distance of the normalised texts over the longer one's length: 0 identical, 1 disjoint."""
    a, b = normalize_text(a), normalize_text(b)
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0


# scores -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageScore:
    n_pred: int
    n_gt: int
    matched: int
    ned_sum: float  # sum of the normalised edit distances of matched pairs

    @property
    def recall(self) -> float:
        return self.matched / self.n_gt if self.n_gt else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.n_pred if self.n_pred else 1.0


def score_page(pred: Sequence[TextBox], gt: Sequence[TextBox], threshold: float = 0.5) -> PageScore:
    pairs = match_greedy([p.box for p in pred], [g.box for g in gt], threshold)
    ned = sum(normalized_edit_distance(pred[i].text, gt[j].text) for i, j, _ in pairs)
    return PageScore(n_pred=len(pred), n_gt=len(gt), matched=len(pairs), ned_sum=ned)


def summarize(scores: Iterable[PageScore]) -> dict[str, float]:
    """Micro-averaged over all boxes of all pages: recall, precision, F1, mean NED of matched text."""
    scores = list(scores)
    n_pred = sum(s.n_pred for s in scores)
    n_gt = sum(s.n_gt for s in scores)
    matched = sum(s.matched for s in scores)
    recall = matched / n_gt if n_gt else 0.0
    precision = matched / n_pred if n_pred else 0.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {
        "pages": len(scores),
        "gt_boxes": n_gt,
        "pred_boxes": n_pred,
        "matched": matched,
        "recall": recall,
        "precision": precision,
        "f1": f1,
        "mean_ned": sum(s.ned_sum for s in scores) / matched if matched else 0.0,
    }


# ground truth readers ---------------------------------------------------------------------------


def _quad_box(values: Sequence[float]) -> Box:
    xs, ys = values[0::2], values[1::2]
    return (min(xs), min(ys), max(xs), max(ys))


def parse_sroie_csv(text: str) -> list[TextBox]:
    """SROIE `box/NNN.csv`: `x1,y1,x2,y2,x3,y3,x4,y4,transcript` per line. The transcript is the rest of the
    line as it is: it may hold commas and inch marks (`1" BALL VALVE`), so it is not read as CSV."""
    out: list[TextBox] = []
    for raw in text.lstrip("\ufeff").splitlines():
        parts = raw.split(",", 8)
        if len(parts) < 9:
            continue
        try:
            coords = [float(v) for v in parts[:8]]
        except ValueError:
            continue
        out.append(TextBox(_quad_box(coords), parts[8].strip()))
    return out


def parse_funsd(data: dict[str, Any]) -> list[TextBox]:
    """FUNSD annotation: every non-empty word of every entity (`form[*].words[*]`), boxes `[x0, y0, x1, y1]`."""
    out: list[TextBox] = []
    for entity in data.get("form", []):
        for word in entity.get("words", []):
            text = str(word.get("text", "")).strip()
            if not text:
                continue
            x0, y0, x1, y1 = (float(v) for v in word["box"])
            out.append(TextBox((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), text))
    return out
