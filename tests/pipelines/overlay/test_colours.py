"""Overlay colours: a stable colour per label, distinct colours within an image, contrasting text."""

from __future__ import annotations

import zlib

from ocula.pipelines.overlay import PALETTE, Annotation, assign_colours, colour_for, draw_boxes, text_colour
from tests.fixtures.overlay import blank, box, px


def colliding_labels() -> tuple[str, str]:
    """Two different labels whose hash lands on the same palette slot."""
    seen: dict[int, str] = {}
    for i in range(1000):
        label = f"field{i}"
        slot = zlib.crc32(label.encode()) % len(PALETTE)
        if slot in seen:
            return seen[slot], label
        seen[slot] = label
    raise AssertionError("no collision found")


def test_colour_is_stable_hash_of_the_label() -> None:
    assert colour_for("total") == PALETTE[zlib.crc32(b"total") % len(PALETTE)]
    assert assign_colours(["total"]) == {"total": colour_for("total")}


def test_same_label_same_colour() -> None:
    items = [Annotation(box(20, 100, 80, 140), "price"), Annotation(box(250, 200, 350, 260), "price")]
    out = draw_boxes(blank(), items)
    assert px(out, 19, 120) == px(out, 249, 230) == colour_for("price")


def test_different_labels_get_different_colours_even_when_their_hashes_collide() -> None:
    a, b = colliding_labels()
    assert colour_for(a) == colour_for(b)
    items = [Annotation(box(20, 100, 80, 140), a), Annotation(box(250, 200, 350, 260), b)]
    out = draw_boxes(blank(), items)
    assert px(out, 19, 120) != px(out, 249, 230)
    # the choice depends on the set of labels, not on drawing order
    assert assign_colours([a, b]) == assign_colours([b, a])


def test_colour_key_overrides_label_for_colour() -> None:
    item = Annotation(box(50, 100, 150, 160), "items[0].price: 3", colour_key="items[0]")
    out = draw_boxes(blank(), [item])
    assert px(out, 49, 130) == colour_for("items[0]")


def test_text_colour_contrasts_with_background() -> None:
    assert text_colour((255, 255, 255)) == (0, 0, 0)
    assert text_colour((255, 215, 0)) == (0, 0, 0)
    assert text_colour((0, 0, 128)) == (255, 255, 255)
    assert text_colour((128, 0, 0)) == (255, 255, 255)
