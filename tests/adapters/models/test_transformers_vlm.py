"""TransformersVLM on tiny random Qwen2.5-VL, Idefics3 (SmolVLM) and LLaVA models saved to folders."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.families import TRANSFORMERS_FAMILIES, family_for
from ocula.adapters.models.transformers_vlm import TransformersVLM
from ocula.schemas.errors import ModelError
from ocula.schemas.families import FAMILY_RECORDS, family_record
from tests.fixtures.tiny_models import TINY_FAMILIES, save_tiny_vlm

CODE = "ZQ[0-9]{3}-XK"


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    name: str = Field(max_length=12)
    count: int = Field(ge=0, le=99)


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    title: str = Field(max_length=16)
    score: int = Field(ge=0, le=100)  # floats are unbounded in length under llguidance: keep ints
    items: list[Item] = Field(max_length=2)


SCENE = Constraint.json_schema(json.dumps(Scene.model_json_schema()))


def photo(width: int = 200, height: int = 120, color: tuple[int, int, int] = (220, 40, 40)) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 15, width // 2, height - 20), fill=color)
    draw.text((width // 2 + 10, 10), "TOTAL 12.50", fill="black")
    return image


def ask(text: str, constraint: Constraint | None, images: list[Image.Image], max_new_tokens: int = 300):
    return GenerationRequest([Message("user", text, images)], constraint, Sampling(max_new_tokens=max_new_tokens))


@pytest.fixture(scope="session")
def tiny_vlm_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny_vlms")
    return {family: save_tiny_vlm(family, root / family) for family in TINY_FAMILIES}


@pytest.fixture(scope="session")
def vlms(tiny_vlm_dirs: dict[str, Path]) -> dict[str, TransformersVLM]:
    return {family: TransformersVLM.load(str(path)) for family, path in tiny_vlm_dirs.items()}


@pytest.fixture(params=TINY_FAMILIES)
def vlm(request: pytest.FixtureRequest, vlms: dict[str, TransformersVLM]) -> TransformersVLM:
    return vlms[request.param]


def test_loaded_by_path_with_family_and_capabilities(vlm: TransformersVLM) -> None:
    assert vlm.family in TINY_FAMILIES
    assert vlm.family == vlm.model.config.model_type
    caps = vlm.capabilities
    assert caps.images
    assert caps.constraints == frozenset({"json_schema", "regex", "lark"})
    expected = "pixels_resized_xyxy" if vlm.family == "qwen2_5_vl" else "norm1000_xyxy"
    assert caps.box_convention == expected == FAMILY_RECORDS[vlm.family].box_convention


def test_chat_template_renders_the_family_image_tokens(vlm: TransformersVLM) -> None:
    text = vlm.render(ask("What is drawn?", None, [photo()]).messages)
    assert TRANSFORMERS_FAMILIES[vlm.family].image_placeholder in text
    assert text.endswith("assistant\n")


def test_json_schema_output_validates(vlm: TransformersVLM) -> None:
    g = vlm.generate(ask("Describe the picture as JSON.", SCENE, [photo()]))
    assert g.finish_reason == "stop"
    scene = Scene.model_validate_json(g.text)
    assert len(scene.items) <= 2
    assert len(g.token_logprobs) == len(g.token_ids) == len(g.token_texts) > 0
    assert all(math.isfinite(lp) and lp <= 0 for lp in g.token_logprobs)
    assert g.prompt_tokens > 0 and g.forward_passes == len(g.token_ids) + 1


def test_regex_constraint_is_active(vlm: TransformersVLM) -> None:
    free = vlm.generate(ask("Give the code.", None, [photo()], max_new_tokens=8))
    assert not re.fullmatch(CODE, free.text)  # a random model never writes it by itself
    g = vlm.generate(ask("Give the code.", Constraint.regex(CODE), [photo()]))
    assert re.fullmatch(CODE, g.text)
    assert g.finish_reason == "stop"


def test_grammar_compiled_once_per_constraint(vlm: TransformersVLM) -> None:
    fresh = TransformersVLM(vlm.model, vlm.processor, vlm.family_spec)
    constraint = Constraint.regex("[A-D]{2}")
    for _ in range(2):
        assert re.fullmatch("[A-D]{2}", fresh.generate(ask("Pick.", constraint, [photo()])).text)
    assert fresh.decoder.grammars.misses == 1
    assert fresh.decoder.grammars.hits >= 1


def test_generate_batch_returns_one_valid_output_per_request(vlm: TransformersVLM) -> None:
    requests = [
        ask("Describe.", SCENE, [photo()]),
        ask("Describe this other, larger picture in detail please.", SCENE, [photo(160, 240, (30, 90, 200))]),
        ask("Give the code.", Constraint.regex(CODE), [photo()]),
        ask("Describe again.", SCENE, [photo(90, 90, (10, 160, 40))]),
    ]
    out = vlm.generate_batch(requests)
    assert len(out) == 4
    for i in (0, 1, 3):
        Scene.model_validate_json(out[i].text)
        assert out[i].finish_reason == "stop"
    assert re.fullmatch(CODE, out[2].text)
    assert out[0].prompt_tokens != out[1].prompt_tokens  # left padding did not leak into the count


def test_input_image_size_matches_the_processor(vlm: TransformersVLM) -> None:
    image = photo(230, 130)
    w, h = vlm.input_image_size(image)
    extra = {"return_row_col_info": True} if vlm.family == "idefics3" else {}
    processed = vlm.processor.image_processor(images=[image], return_tensors="np", **extra)
    if vlm.family == "qwen2_5_vl":
        _, rows, cols = processed["image_grid_thw"][0]
        patch = vlm.processor.image_processor.patch_size
        assert (w, h) == (cols * patch, rows * patch)
    elif vlm.family == "idefics3":
        tile = vlm.processor.image_processor.max_image_size["longest_edge"]
        assert (w, h) == (processed["cols"][0][0] * tile, processed["rows"][0][0] * tile)
    else:
        assert (h, w) == tuple(processed["pixel_values"].shape[-2:])


def test_max_pixels_caps_the_resize(tiny_vlm_dirs: dict[str, Path]) -> None:
    budget = 28 * 28 * 4
    model = TransformersVLM.load(str(tiny_vlm_dirs["qwen2_5_vl"]), max_pixels=budget)
    w, h = model.input_image_size(photo(600, 400))
    assert w * h <= budget and w % 28 == 0 and h % 28 == 0


def test_missing_path_raises_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        TransformersVLM.load(str(tmp_path / "no-such-model"))


def test_folder_without_a_model_raises_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load model"):
        TransformersVLM.load(str(tmp_path))


def test_unknown_family_gets_generic_defaults() -> None:
    assert family_record(family_for("some_future_vlm").key).box_convention == "norm1000_xyxy"
    assert family_record(family_for("qwen2_vl").key).box_convention == "norm1000_xyxy"
