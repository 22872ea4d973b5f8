"""Every transformers VLM family of the family table, end to end on a tiny random model.

Each build is saved to a folder and loaded back with `ocula.load_model(path)`, like a real checkpoint. An image
goes through the family's processor and prompt layout, the output is decoded under a schema's grammar, and a
valid object comes back; the family declares its box convention. Families that cannot hold a grammar raise a
clear error. The geometry tests check, on each family's real processor, that the table's input size is the
size the processor makes, and that a box in the family's convention maps back to the expected page pixels.
(Qwen2.5-VL, Idefics3 and LLaVA also run through every adapter test in test_transformers_vlm.py.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field

import ocula
from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.families import TRANSFORMERS_FAMILIES
from ocula.adapters.models.transformers_vlm import TransformersVLM
from ocula.schemas.box_formats import BOX_CONVENTIONS, to_page_box
from ocula.schemas.errors import ModelError
from ocula.schemas.families import FAMILY_RECORDS, FLORENCE2_GRAMMAR_ERROR
from ocula.schemas.geometry import BBox, PageTransform
from tests.fixtures.tiny_models import BUILD_FAMILY, MORE_TINY_FAMILIES, TINY_FAMILIES, save_tiny_vlm


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    name: str = Field(max_length=10)
    count: int = Field(ge=0, le=99)


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    title: str = Field(max_length=12)
    score: int = Field(ge=0, le=100)
    items: list[Item] = Field(max_length=1)


SCENE = Constraint.json_schema(json.dumps(Scene.model_json_schema()))
# transformers' PaliGemma processor builds its training labels with a numpy call that numpy 2 warns about.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")
GRAMMAR_BUILDS = [b for b in MORE_TINY_FAMILIES if FAMILY_RECORDS[BUILD_FAMILY[b]].grammar_error is None]
ALL_BUILDS = (*TINY_FAMILIES, *MORE_TINY_FAMILIES)


def photo(width: int = 200, height: int = 120, color: tuple[int, int, int] = (220, 40, 40)) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 15, width // 2, height - 20), fill=color)
    draw.text((width // 2 + 10, 10), "TOTAL 12.50", fill="black")
    return image


def ask(
    text: str, images: list[Image.Image], constraint: Constraint | None = SCENE, max_new_tokens: int = 200
) -> GenerationRequest:
    return GenerationRequest([Message("user", text, images)], constraint, Sampling(max_new_tokens=max_new_tokens))


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Models this small run fastest on one thread: with two, a busy machine spends most of each step in
    thread hand-offs (measured 20x slower)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TransformersVLM]:
    """Build name -> the tiny model saved to a folder and loaded with `ocula.load_model` (once per module).
    `TINY_FAMILIES` builds get the tiny BPE here too (their adapter tests use SmolLM2)."""
    root = tmp_path_factory.mktemp("family_vlms")
    loaded: dict[str, TransformersVLM] = {}

    def get(build: str) -> TransformersVLM:
        if build not in loaded:
            folder = save_tiny_vlm(build, root / build, bpe=True)
            model = ocula.load_model(str(folder), cache=False)
            assert isinstance(model, TransformersVLM)
            loaded[build] = model
        return loaded[build]

    return get


# --- end to end ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", MORE_TINY_FAMILIES)
def test_loads_by_path_as_its_family(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    model = tiny_vlm(build)
    spec = FAMILY_RECORDS[BUILD_FAMILY[build]]
    assert model.family == spec.family == model.model.config.model_type
    assert model.capabilities.box_convention == spec.box_convention
    assert spec.box_convention in BOX_CONVENTIONS
    expected = frozenset() if spec.grammar_error else frozenset({"json_schema", "regex", "lark"})
    assert model.capabilities.constraints == expected


@pytest.mark.parametrize("build", MORE_TINY_FAMILIES)
def test_prompt_follows_the_family_layout(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    model = tiny_vlm(build)
    spec = model.family_spec
    placeholder = (
        TRANSFORMERS_FAMILIES["mistral3"].image_placeholder if build == "llava_pixtral" else spec.image_placeholder
    )
    expected = {
        "chatml": f"<|im_start|>user\n{placeholder}What is drawn?<|im_end|>\n<|im_start|>assistant\n",
        "plain": f"{placeholder}What is drawn?",
        "user_assistant": f"User:{placeholder}What is drawn?<end_of_utterance>\nAssistant:",
    }[FAMILY_RECORDS[model.family].prompt_format]
    assert model.render(ask("What is drawn?", [photo()]).messages) == expected


@pytest.mark.parametrize("build", MORE_TINY_FAMILIES)
def test_the_image_reaches_the_output(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    """Two different images under the same prompt give different greedy outputs or log-probs (compared
    exactly: with no path from the image, the same prompt computes the same numbers)."""
    model = tiny_vlm(build)
    prompt = "<OD>" if model.family == "florence2" else "What is drawn?"
    outs = [
        model.generate(ask(prompt, [image], None, max_new_tokens=3))
        for image in (photo(), photo(160, 200, (20, 60, 230)))
    ]
    assert all(o.token_ids for o in outs)
    assert (outs[0].token_ids, outs[0].token_logprobs) != (outs[1].token_ids, outs[1].token_logprobs)


@pytest.mark.parametrize("build", GRAMMAR_BUILDS)
def test_schema_output_validates(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    g = tiny_vlm(build).generate(ask("Describe the picture as JSON.", [photo()]))
    assert g.finish_reason == "stop"
    scene = Scene.model_validate_json(g.text)
    assert len(scene.title) <= 12 and 0 <= scene.score <= 100
    assert len(g.token_ids) == len(g.token_logprobs) > 0


@pytest.mark.parametrize("build", GRAMMAR_BUILDS)
def test_batch_of_prompts_and_image_sizes(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    """Left-padded batches through each family's processor: one valid object per request."""
    requests = [
        ask("Describe.", [photo()]),
        ask("Describe this other, taller picture in more words please.", [photo(120, 210, (30, 90, 200))]),
    ]
    out = tiny_vlm(build).generate_batch(requests)
    assert len(out) == 2
    for g in out:
        Scene.model_validate_json(g.text)
    assert out[0].prompt_tokens != out[1].prompt_tokens  # padding did not leak into the counts


def test_florence2_refuses_a_grammar_with_the_reason(tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    model = tiny_vlm("florence2")
    with pytest.raises(ModelError, match="fixed task prompts") as caught:
        model.generate(ask("Describe the picture as JSON.", [photo()]))
    assert FLORENCE2_GRAMMAR_ERROR in str(caught.value)
    with pytest.raises(ModelError, match="cannot fill a schema"):
        model.generate_batch([ask("<OD>", [photo()], None), ask("<OD>", [photo()], Constraint.regex("[a-z]+"))])


def test_florence2_task_prompt_runs_unconstrained(tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    """An encoder-decoder's new tokens are the decoder's, without its start token and without the prompt."""
    import torch

    model = tiny_vlm("florence2")
    image = photo()
    g = model.generate(ask("<OD>", [image], None, max_new_tokens=6))
    inputs = model.processor(text=["<OD>"], images=[image], return_tensors="pt")
    with torch.inference_mode():
        direct = model.model.generate(**inputs, max_new_tokens=6, do_sample=False)[0].tolist()
    assert direct[0] == model.model.generation_config.decoder_start_token_id
    stop = model.decoder.stop_ids
    assert g.token_ids == [t for t in direct[1:] if t not in stop][: len(g.token_ids)]
    assert len(g.token_ids) == len(g.token_logprobs) > 0
    assert g.raw["text_with_special_tokens"]  # where <loc_N> tokens would be kept


# --- checkpoints that ship their own code ------------------------------------------------------------


def _remote_code_folder(folder: Path, marker: Path) -> Path:
    """A checkpoint whose config class is custom code (as mPLUG-Owl and CogVLM ship): running it writes `marker`."""
    folder.mkdir()
    config = {
        "model_type": "custom_vlm",
        "auto_map": {"AutoConfig": "configuration_custom.CustomVLMConfig"},
        "vision_config": {"image_size": 32},
    }
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "configuration_custom.py").write_text(
        "from pathlib import Path\n"
        "from transformers import PretrainedConfig\n"
        f"Path({str(marker)!r}).write_text('ran')\n"
        "class CustomVLMConfig(PretrainedConfig):\n"
        "    model_type = 'custom_vlm'\n"
    )
    return folder


def test_custom_code_checkpoint_needs_the_flag(tmp_path: Path) -> None:
    marker = tmp_path / "custom-code-ran"
    folder = _remote_code_folder(tmp_path / "custom", marker)
    with pytest.raises(ModelError, match="trust_remote_code=True") as caught:
        ocula.load_model(str(folder), cache=False)
    assert "permissions" in str(caught.value)
    with pytest.raises(ModelError, match="trust_remote_code=True"):
        TransformersVLM.load(str(folder))
    assert not marker.exists()  # refused before any of its code ran


def test_the_flag_runs_the_checkpoint_code(tmp_path: Path) -> None:
    marker = tmp_path / "custom-code-ran"
    folder = _remote_code_folder(tmp_path / "custom", marker)
    with pytest.raises(ModelError, match="cannot load model"):  # no weights, no processor: a clear error
        ocula.load_model(str(folder), cache=False, trust_remote_code=True)
    assert marker.read_text() == "ran"


# --- geometry -------------------------------------------------------------------------------------------

# (width, height) of the image each family's model sees, read from what its real processor produced.
SizeReader = Callable[[TransformersVLM, dict[str, Any]], tuple[int, int]]


def _grid_size(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    _, rows, cols = (int(v) for v in out["image_grid_thw"][0])
    patch = model.processor.image_processor.patch_size
    return cols * patch, rows * patch


def _tiles_size(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    """Idefics3 / SmolVLM: the processor's tile grid (its rows and columns come from the image processor)."""
    image_processor = model.processor.image_processor
    info = image_processor(images=[[out["image"]]], return_row_col_info=True, return_tensors="np")
    tile = image_processor.max_image_size["longest_edge"]
    return int(info["cols"][0][0]) * tile, int(info["rows"][0][0]) * tile


def _pixel_size(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    h, w = out["pixel_values"].shape[-2:]
    return int(w), int(h)


def _image_sizes(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    h, w = (int(v) for v in out["image_sizes"][0])
    return w, h


def _content_size(canvas: np.ndarray) -> tuple[int, int]:
    """(width, height) of the white image in a padded canvas (channel 0, normalised values)."""
    white = canvas.max()
    rows, cols = np.nonzero(np.isclose(canvas, white, atol=1e-3))
    return int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)


def _anyres_content(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    """LLaVA-NeXT: the tiles after the base image, stitched into the padded canvas."""
    from transformers.image_processing_utils import select_best_resolution

    height, width = (int(v) for v in out["image_sizes"][0])
    best_h, best_w = select_best_resolution((height, width), model.processor.image_processor.image_grid_pinpoints)
    tiles = out["pixel_values"][0][1:, 0].numpy()
    side = tiles.shape[-1]
    grid = tiles.reshape(best_h // side, best_w // side, side, side)
    return _content_size(np.concatenate(np.concatenate(grid, axis=1), axis=1))


def _mllama_content(model: TransformersVLM, out: dict[str, Any]) -> tuple[int, int]:
    """Llama 3.2 Vision: the tiles of the chosen aspect ratio, stitched into the padded canvas."""
    from transformers.models.mllama.image_processing_pil_mllama import get_all_supported_aspect_ratios

    max_tiles = model.processor.image_processor.max_image_tiles
    rows, cols = get_all_supported_aspect_ratios(max_tiles)[int(out["aspect_ratio_ids"][0][0]) - 1]
    tiles = out["pixel_values"][0][0][: rows * cols, 0].numpy()
    side = tiles.shape[-1]
    grid = tiles.reshape(rows, cols, side, side)
    return _content_size(np.concatenate(np.concatenate(grid, axis=1), axis=1))


SIZE_READERS: dict[str, SizeReader] = {
    "qwen2_5_vl": _grid_size,
    "qwen2_vl": _grid_size,
    "qwen3_vl": _grid_size,
    "idefics3": _tiles_size,
    "smolvlm": _tiles_size,
    "llava": _pixel_size,
    "llava_pixtral": _image_sizes,
    "mistral3": _image_sizes,
    "llava_next": _anyres_content,
    "mllama": _mllama_content,
}

PAGE = (1240, 1754)  # A4 at 150 dpi
EXPECTED = BBox(x0=310, y0=438.5, x1=930, y1=1315.5)  # the centre half of the page


def _centre_half(convention: str, seen: tuple[int, int]) -> list[float]:
    """What a family emits for the centre half of the image it saw (x and y from 1/4 to 3/4)."""
    w, h = seen
    return {
        "norm1000_xyxy": [250, 250, 750, 750],
        "pixels_resized_xyxy": [w / 4, h / 4, 3 * w / 4, 3 * h / 4],
        "loc1024_yxyx": [256, 256, 768, 768],
        "loc1000_xyxy": [250, 250, 750, 750],  # bins: their centres are 250.5 and 750.5 of 1000
        "patch32": [8 * 32 + 8, 23 * 32 + 23],  # the cells of rows and columns 8 to 23 of 32
    }[convention]


@pytest.mark.parametrize("build", ALL_BUILDS)
def test_input_size_is_what_the_processor_makes(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    model = tiny_vlm(build)
    for size in ((620, 877), (877, 620), (300, 300), (640, 330)):
        image = Image.new("RGB", size, "white")
        out = model.processor(
            text=[model.render(ask("Boxes.", [image]).messages)], images=[[image]], return_tensors="pt"
        )
        actual = SIZE_READERS.get(build, _pixel_size)(model, {**out, "image": image})
        assert model.input_image_size(image) == actual, size


@pytest.mark.parametrize("build", ALL_BUILDS)
def test_box_in_family_convention_maps_to_page_pixels(build: str, tiny_vlm: Callable[[str], TransformersVLM]) -> None:
    """The page is resized for the model (a PageTransform); the processor resizes again (the table's
    input_size); a box the model gives in its own convention lands on the expected original-page pixels."""
    model = tiny_vlm(build)
    convention = model.capabilities.box_convention
    transform = PageTransform.resize(PAGE, (620, 877))
    image = Image.new("RGB", transform.dst_size, "white")
    seen = model.input_image_size(image)
    values = _centre_half(convention, seen)
    box = to_page_box(values, convention, input_size=image.size, transform=transform, resized_size=seen)
    expected = EXPECTED
    if convention == "loc1000_xyxy":  # Florence-2 reads a bin as its centre
        expected = BBox(x0=0.2505 * PAGE[0], y0=0.2505 * PAGE[1], x1=0.7505 * PAGE[0], y1=0.7505 * PAGE[1])
    assert box.as_tuple() == pytest.approx(expected.as_tuple(), abs=1e-6)
    assert box.page == 0
