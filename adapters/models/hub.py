"""Transformers models by local folder or Hugging Face id: a vision-language model when its config is one, else a
text model.

A name that is neither a folder nor in the local Hugging Face cache has to come from the hub. When the hub cannot
be reached (offline mode: `HF_HUB_OFFLINE=1`; or no answer within `HUB_PROBE_SECONDS`) such a name fails at once
with a `ModelError` naming the bundled models, instead of after the hub client's retries (about 30 s).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import BUNDLED
from ocula.schemas.errors import ModelError

HUB_PROBE_SECONDS = 0.5  # how long the hub may take to answer before a name not cached here fails
_TRUE = {"1", "ON", "YES", "TRUE"}  # huggingface_hub's spelling of a true environment flag


def load_pretrained(name: str, **options: Any) -> ModelAdapter:
    """`TransformersVLM` or `TransformersLM` for a folder or hub id, by the model's config."""
    if not Path(name).exists():
        check_hub_name(name)
    try:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(name, trust_remote_code=options.get("trust_remote_code", False))
    except (OSError, ValueError) as err:
        if "trust_remote_code" in str(err):
            from ocula.adapters.models.transformers_vlm import remote_code_error

            raise ModelError(remote_code_error(name)) from err
        raise ModelError(f"{name}: not a local model folder nor a cached hub model ({err})") from err
    if is_vision_config(config):
        from ocula.adapters.models.transformers_vlm import TransformersVLM

        return TransformersVLM.load(name, **options)
    from ocula.adapters.models.transformers_lm import TransformersLM

    return TransformersLM.load(name, **options)


def is_vision_config(config: Any) -> bool:
    """Whether a transformers config is a vision-language model's (it has a vision tower)."""
    return hasattr(config, "vision_config") or "vision" in type(config).__name__.lower()


def check_hub_name(name: str) -> None:
    """Return when `name` can be loaded from the local Hugging Face cache or the hub; else a `ModelError` at once.

    Called for a name that is not a local path: one that is not a valid hub id fails, one in the local cache
    passes, and any other needs the hub, which must be online and answer within `HUB_PROBE_SECONDS`."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except HFValidationError:
        raise ModelError(f"{name}: no such model folder, and not a bundled model ({_bundled()}) nor a hub id") from None
    if isinstance(cached, str):
        return
    missing = f"{name}: not a bundled model ({_bundled()}), a model folder, nor in the local Hugging Face cache"
    if hub_offline():
        raise ModelError(f"{missing}, and the hub is offline (HF_HUB_OFFLINE)")
    if not hub_answers(name):
        raise ModelError(
            f"{missing}, and the Hugging Face hub did not answer within {HUB_PROBE_SECONDS} s "
            f"(on a slow connection, download it first: hf download {name})"
        )


def _bundled() -> str:
    return ", ".join(BUNDLED)


def hub_offline() -> bool:
    """Whether the Hugging Face hub is switched off (`HF_HUB_OFFLINE`, or `TRANSFORMERS_OFFLINE`, set to 1)."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return constants.is_offline_mode() or any((flag or "").upper() in _TRUE for flag in flags)


def hub_answers(name: str, timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Whether the hub answers a request for `name`'s config within `timeout` seconds (any HTTP answer, a 404
    too: the loader then reports it). The request runs on a thread, so a slow name lookup is bounded as well."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError

    answered: list[bool] = []

    def probe() -> None:
        url = hf_hub_url(name, "config.json")  # on the endpoint set by HF_ENDPOINT
        try:
            get_hf_file_metadata(url, timeout=timeout)
        except HfHubHTTPError:
            pass  # an HTTP answer: the hub is there
        except Exception:  # connection refused, name lookup failed, timed out: no answer
            return
        answered.append(True)

    thread = threading.Thread(target=probe, name="ocula-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answered)
