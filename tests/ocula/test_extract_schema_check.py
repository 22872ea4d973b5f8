"""`ocula.extract` checks the schema before it reads the source: a `SchemaError` naming the field, for a missing
file as for a real one (the source is never opened)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import ocula
from ocula.schemas.errors import InputError, SchemaError
from tests.fixtures.fakes import FixedAnswer


class OpenDict(BaseModel):
    company: str
    meta: dict[str, Any]


class Keys(BaseModel):
    counts: dict[str, int]


def test_an_open_dict_is_refused_before_the_source_is_read() -> None:
    with pytest.raises(SchemaError, match="open dict") as err:
        ocula.extract("/no/such/file.png", schema=OpenDict, model=FixedAnswer("{}"))
    assert err.value.field == "$.meta"


def test_a_dicts_keys_are_refused_on_the_grounded_engine_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ocula.api.ocr_engine", lambda *args, **kwargs: None)  # no OCR engine is needed to refuse
    with pytest.raises(SchemaError, match="keys would be written by the model") as err:
        ocula.extract("/no/such/file.png", schema=Keys, model=FixedAnswer("{}"))
    assert err.value.field == "counts"
    with pytest.raises(InputError, match="no such file"):  # grounded=False: the schema is fine
        ocula.extract("/no/such/file.png", schema=Keys, model=FixedAnswer("{}"), grounded=False)
