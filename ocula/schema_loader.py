"""Resolve a schema given by name: a ready schema, `module:Class`, or `path/to/file.py:Class`."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from pydantic import BaseModel

from ocula.schemas.errors import SchemaError
from ocula.schemas.ready import READY


def resolve_schema(spec: str | type[BaseModel]) -> type[BaseModel]:
    if isinstance(spec, type):
        if issubclass(spec, BaseModel):
            return spec
        raise SchemaError(spec.__name__, "a schema must be a Pydantic BaseModel subclass")
    if spec.lower() in READY:
        return READY[spec.lower()]
    if ":" not in spec:
        raise SchemaError(spec, f"unknown schema; use one of {', '.join(READY)}, module:Class or file.py:Class")
    where, name = spec.rsplit(":", 1)
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise SchemaError(spec, f"no such file: {path}")
        module_name = f"_ocula_user_schema_{abs(hash(path.resolve()))}"
        loader_spec = importlib.util.spec_from_file_location(module_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise SchemaError(spec, f"cannot import {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as err:
            raise SchemaError(spec, f"importing {path} failed: {err}") from err
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as err:
            raise SchemaError(spec, f"cannot import module {where!r}: {err}") from err
    found = getattr(module, name, None)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise SchemaError(spec, f"{name!r} is not a Pydantic model in {where}")
    return found
