"""Contact sheets: grid layout, titles, bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from ocula.pipelines.overlay import contact_sheet
from tests.fixtures.overlay import WHITE, blank, px


def test_contact_sheet_layout() -> None:
    a = np.zeros((200, 100, 3), dtype=np.uint8)
    b = np.full((100, 100, 3), 255, dtype=np.uint8)
    c = np.full((50, 50, 3), 128, dtype=np.uint8)
    sheet = contact_sheet([a, b, c], columns=2, cell_width=100, gap=8)
    assert sheet.shape == (8 + 200 + 8 + 100 + 8, 8 + 100 + 8 + 100 + 8, 3)
    assert px(sheet, 8 + 50, 8 + 100) == (0, 0, 0)  # first cell
    assert px(sheet, 8 + 100 + 8 + 50, 8 + 50) == WHITE  # second cell
    assert px(sheet, 58, 8 + 200 + 8 + 50) == (128, 128, 128)  # third cell, upscaled to 100 wide
    titled = contact_sheet([a, b], cell_width=100, titles=["page 1", "page 2"])
    assert titled.shape[0] > 8 + 200 + 8


def test_contact_sheet_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        contact_sheet([])
    with pytest.raises(ValueError):
        contact_sheet([blank()], titles=["a", "b"])
