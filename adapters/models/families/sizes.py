"""How each vision-language family's processor sizes an image, and how its pixel budget is capped.

An input-size function gives the (width, height) of the image the model sees for a page of a given size (boxes
in pixels of the processor's resize, as Qwen2.5-VL writes them, are read against it); a pixel-budget function
caps the processor's resize in place (`load_model(..., max_pixels=...)`). `table.py` gives each family its pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

# (processor or its image processor, width, height) -> (width, height) of the image the model sees.
InputSize = Callable[[Any, int, int], tuple[int, int]]
# (image_processor, max_pixels) -> None: caps the processor's pixel budget in place.
PixelBudget = Callable[[Any, int], None]


def _size_get(size: Any, key: str) -> Any:
    """A key of a processor `size` (a dict or a `SizeDict`), or None."""
    if size is None:
        return None
    if isinstance(size, dict):
        return size.get(key)
    return getattr(size, key, None)


def _image_processor(processor: Any) -> Any:
    """The image processor of a processor; an image processor is its own."""
    return getattr(processor, "image_processor", processor)


def _size_set(processor: Any, **values: int) -> None:
    size = processor.size
    current = dict(size) if isinstance(size, dict) else {k: v for k, v in vars(size).items() if v is not None}
    current.update(values)
    processor.size = type(size)(**current) if not isinstance(size, dict) else current


# --- input sizes --------------------------------------------------------------------------------------


def smart_resize_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Qwen2-VL family: both sides a multiple of patch*merge, pixel count within [min, max]."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    image_processor = _image_processor(processor)
    factor = int(image_processor.patch_size) * int(image_processor.merge_size)
    min_pixels = _size_get(image_processor.size, "shortest_edge") or 56 * 56
    max_pixels = _size_get(image_processor.size, "longest_edge") or 28 * 28 * 1280
    h, w = smart_resize(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    return w, h


def longest_edge_tiles_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Idefics3 / SmolVLM: longest edge scaled to `size.longest_edge`, then rounded up to whole tiles."""
    image_processor = _image_processor(processor)
    longest = _size_get(image_processor.size, "longest_edge") or max(width, height)
    if width >= height:
        w, h = longest, int(longest * height / width)
    else:
        h, w = longest, int(longest * width / height)
    h, w = max(h + h % 2, 1), max(w + w % 2, 1)
    if getattr(image_processor, "do_image_splitting", False):
        tile = int(_size_get(image_processor.max_image_size, "longest_edge"))
        aspect = w / h
        if w >= h:
            w = math.ceil(w / tile) * tile
            h = math.ceil(int(w / aspect) / tile) * tile
        else:
            h = math.ceil(h / tile) * tile
            w = math.ceil(int(h * aspect) / tile) * tile
    return w, h


def fixed_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """CLIP/SigLIP/BLIP-style processors: a fixed crop or a fixed square resize (IDEFICS: `image_size`)."""
    image_processor = _image_processor(processor)
    for attr in ("crop_size", "size"):
        size = getattr(image_processor, attr, None)
        h, w = _size_get(size, "height"), _size_get(size, "width")
        if h and w and (attr == "size" or getattr(image_processor, "do_center_crop", False)):
            return int(w), int(h)
    edge = _size_get(getattr(image_processor, "size", None), "shortest_edge")
    if edge:
        scale = edge / min(width, height)
        return round(width * scale), round(height * scale)
    side = getattr(image_processor, "image_size", None)
    if isinstance(side, int):
        return side, side
    return width, height


def pixtral_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Pixtral / Mistral 3: aspect kept, longest edge within `size.longest_edge`, sides whole merged patches
    (the processor, not its image processor, knows the merge: it passes `patch_size * spatial_merge_size`)."""
    import numpy as np
    from transformers.models.pixtral.image_processing_pil_pixtral import get_resize_output_image_size

    image_processor = _image_processor(processor)
    longest = int(_size_get(image_processor.size, "longest_edge"))
    if image_processor is processor:
        patch = _size_get(image_processor.patch_size, "height") or image_processor.patch_size
    else:
        patch = processor.patch_size * getattr(processor, "spatial_merge_size", 1)
    h, w = get_resize_output_image_size(
        np.zeros((height, width, 3)), size=(longest, longest), patch_size=(int(patch), int(patch))
    )
    return int(w), int(h)


def anyres_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """LLaVA-NeXT: the best grid pinpoint for the aspect ratio, the image fitted into it (the padding is not
    image: boxes normalised over the image stay normalised over this size)."""
    from transformers.image_processing_utils import select_best_resolution

    image_processor = _image_processor(processor)
    best_h, best_w = select_best_resolution((height, width), image_processor.image_grid_pinpoints)
    if best_w / width < best_h / height:
        return best_w, min(math.ceil(height * best_w / width), best_h)
    return min(math.ceil(width * best_h / height), best_w), best_h


def mllama_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Llama 3.2 Vision: fitted, aspect kept, into the best canvas of at most `max_image_tiles` square tiles."""
    from transformers.models.mllama.image_processing_pil_mllama import (
        get_image_size_fit_to_canvas,
        get_optimal_tiled_canvas,
    )

    image_processor = _image_processor(processor)
    tile = int(_size_get(image_processor.size, "height"))
    canvas_h, canvas_w = get_optimal_tiled_canvas(
        image_height=height, image_width=width, max_image_tiles=image_processor.max_image_tiles, tile_size=tile
    )
    h, w = get_image_size_fit_to_canvas(
        image_height=height, image_width=width, canvas_height=canvas_h, canvas_width=canvas_w, tile_size=tile
    )
    return int(w), int(h)


# Families whose processor varies by checkpoint (LLaVA with a CLIP or a Pixtral tower) size by processor class.
_SIZE_BY_IMAGE_PROCESSOR: dict[str, InputSize] = {"PixtralImageProcessor": pixtral_size}


def by_image_processor(processor: Any, width: int, height: int) -> tuple[int, int]:
    """The size rule of the checkpoint's image processor class (Pixtral's, else a fixed size)."""
    name = type(_image_processor(processor)).__name__.removesuffix("Pil").removesuffix("Fast")
    return _SIZE_BY_IMAGE_PROCESSOR.get(name, fixed_size)(processor, width, height)


# --- pixel budgets ------------------------------------------------------------------------------------


def budget_min_max_pixels(image_processor: Any, max_pixels: int) -> None:
    """Qwen: the processor's `longest_edge` is a pixel count; the minimum stays at or below it."""
    shortest = _size_get(image_processor.size, "shortest_edge") or 0
    _size_set(image_processor, longest_edge=max_pixels, shortest_edge=min(shortest, max_pixels))


def budget_longest_edge(image_processor: Any, max_pixels: int) -> None:
    """Idefics3 / SmolVLM: the longest edge, in whole tiles, of a square within the budget."""
    tile = int(_size_get(getattr(image_processor, "max_image_size", None), "longest_edge") or 1)
    edge = max(tile, int(math.isqrt(max_pixels) // tile) * tile)
    _size_set(image_processor, longest_edge=edge)


def budget_fixed(image_processor: Any, max_pixels: int) -> None:
    """Fixed-resolution encoders: the budget is the model's, not the caller's."""
