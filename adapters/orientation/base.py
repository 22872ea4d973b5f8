"""The page orientation classifier interface: how a page image lies, in quarter turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

ANGLES: tuple[int, ...] = (0, 90, 180, 270)


@dataclass(frozen=True)
class PageOrientation:
    """How a page lies: `angle` degrees clockwise from upright (0, 90, 180 or 270), so turning it `angle` degrees
    counter-clockwise makes it upright; `confidence` is the classifier's probability of that angle."""

    angle: int
    confidence: float
    probabilities: dict[int, float] = field(default_factory=dict)

    def ranked(self) -> list[int]:
        """Every angle, the most likely first."""
        return sorted(self.probabilities or {self.angle: 1.0}, key=lambda a: -self.probabilities.get(a, 0.0))


@runtime_checkable
class OrientationClassifier(Protocol):
    """Classifies one RGB uint8 page image (H x W x 3) as 0, 90, 180 or 270 degrees turned clockwise."""

    name: str

    def classify(self, image: np.ndarray) -> PageOrientation: ...
