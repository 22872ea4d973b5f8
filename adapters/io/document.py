"""A loaded document: RGB pages produced lazily, so a long PDF never sits in memory at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ocula.schemas.geometry import PageTransform


@dataclass
class Page:
    """One page as an RGB uint8 array (H x W x 3), its 0-based index in the document and its dpi if known.

    `transform` maps the original page's pixels to `image` when the page was shrunk to the working resolution
    as it was loaded (`adapters.io.working`); None when `image` holds the page's own pixels. `width`, `height`
    and `size` are always the original page's: the pixels every box is given in.
    """

    index: int
    image: np.ndarray
    dpi: float | None = None
    transform: PageTransform | None = None

    @property
    def width(self) -> int:
        return self.transform.src_size[0] if self.transform is not None else int(self.image.shape[1])

    @property
    def height(self) -> int:
        return self.transform.src_size[1] if self.transform is not None else int(self.image.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)


@dataclass
class Document:
    """`source` names where it came from; `page_indices` are the selected pages; `loader(i)` renders page i."""

    source: str
    page_indices: list[int]
    loader: Callable[[int], Page]
    kind: str = "image"  # image | pdf | tiff
    dpi: float | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.page_indices)

    def pages(self) -> Iterator[Page]:
        """Pages one at a time, in order; each is rendered when asked for and can be dropped after use."""
        for i in self.page_indices:
            yield self.loader(i)

    def page(self, index: int) -> Page:
        if index not in self.page_indices:
            raise IndexError(f"{self.source}: page {index} not in the selected pages {self.page_indices}")
        return self.loader(index)
