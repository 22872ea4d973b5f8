"""The wheel: every package folder of the repository lands under `ocula/`, and every module imports from it.

`pyproject.toml` maps `schemas/`, `adapters/` and `pipelines/` into the `ocula` namespace and lists the packages by
hand, so a new folder left out of that list would be missing from the wheel while every test run from the
repository still passes. The wheel is built offline (no build isolation) from a copy of the sources, so the working
tree gets no `build/` or `*.egg-info` folder, and installed into a temporary folder that a fresh interpreter imports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and installs a wheel, then imports every module (tens of seconds)

REPO = Path(__file__).resolve().parents[1]
# Source folder -> its place in the wheel (pyproject's [tool.setuptools] package-dir).
FOLDERS = {"ocula": "ocula", "schemas": "ocula/schemas", "adapters": "ocula/adapters", "pipelines": "ocula/pipelines"}
# Modules of optional extras: a module of Ocula that needs one of them is skipped when it is not installed.
OPTIONAL = {
    "ray": "ray",
    "pyarrow": "parquet",
    "supervision": "supervision",
    "pytesseract": "tesseract",
    "peft": "finetune",
    "openai": "openai",
    "num2words": "smolvlm",
    "starlette": "review",
    "uvicorn": "review",
}

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import ocula
found, failed = {}, {}
for info in pkgutil.walk_packages(ocula.__path__, "ocula.", onerror=lambda name: None):
    try:
        module = importlib.import_module(info.name)
    except ModuleNotFoundError as err:
        failed[info.name] = [err.name, f"{type(err).__name__}: {err}"]
    except Exception as err:
        failed[info.name] = [None, f"{type(err).__name__}: {err}"]
    else:
        found[info.name] = getattr(module, "__file__", None)
found["ocula"] = ocula.__file__
print(json.dumps({"found": found, "failed": failed}))
"""


def package_folders() -> dict[str, str]:
    """Every folder with an `__init__.py` under the mapped source folders -> its path in the wheel."""
    out = {}
    for folder, target in FOLDERS.items():
        for init in sorted((REPO / folder).rglob("__init__.py")):
            parts = init.parent.relative_to(REPO / folder).parts
            out["/".join((folder, *parts))] = "/".join((target, *parts))
    return out


def source_modules() -> dict[str, str]:
    """Every `.py` file inside those package folders -> its path in the wheel."""
    out = {}
    for src, dst in package_folders().items():
        for path in sorted((REPO / src).glob("*.py")):
            out[f"{src}/{path.name}"] = f"{dst}/{path.name}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(REPO / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = root / "dist"
    build = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(out), "-q"]
    done = subprocess.run(build, capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("ocula-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    install = [*pip, "--target", str(target), str(wheel)]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return target


def test_every_package_folder_and_module_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    folders = package_folders()
    assert {"schemas", "adapters", "pipelines", "ocula"} <= set(folders)  # the scan found the tree
    missing = sorted(src for src, dst in folders.items() if f"{dst}/__init__.py" not in names)
    assert not missing, f"package folders missing from the wheel (add them to pyproject's packages): {missing}"
    missing = sorted(src for src, dst in source_modules().items() if dst not in names)
    assert not missing, f"modules missing from the wheel: {missing}"
    assert "ocula/py.typed" in names


@pytest.fixture(scope="module")
def imported(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Every module under `ocula` imported by a fresh interpreter that sees only the installed wheel of Ocula:
    {"found": name -> file, "failed": name -> (missing module or None, reason)}."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(installed), HF_HUB_OFFLINE="1")
    # Run from an empty folder, so the repository's own `ocula/` is not on the path.
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL],
        capture_output=True,
        text=True,
        cwd=tmp_path_factory.mktemp("cwd"),
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def optional_extra(failure: list[str | None]) -> str | None:
    """The extra whose missing package made a module fail to import, if that is why it failed."""
    missing = failure[0]
    return OPTIONAL.get(missing.split(".")[0]) if missing else None


def test_every_module_imports_from_the_installed_wheel(installed: Path, imported: dict[str, dict]) -> None:
    found, failed = imported["found"], imported["failed"]
    outside = {name: file for name, file in found.items() if file and not file.startswith(str(installed))}
    assert not outside, f"imported from outside the installed wheel: {outside}"
    broken = {name: why for name, (missing, why) in failed.items() if optional_extra([missing, why]) is None}
    assert not broken, f"modules that do not import from the wheel: {broken}"
    expected = {dst.replace("/", ".") for dst in package_folders().values()}
    expected |= {dst.removesuffix(".py").replace("/", ".") for dst in source_modules().values()}
    expected = {name.removesuffix(".__init__") for name in expected}
    assert len(expected) > 100  # the scan found the modules
    assert expected <= set(found) | set(failed), f"modules never imported: {sorted(expected - set(found))}"


def test_modules_of_optional_extras_import_when_the_extra_is_installed(imported: dict[str, dict]) -> None:
    extras = {name: optional_extra(failure) for name, failure in imported["failed"].items()}
    skipped = {name: f"needs the {extra} extra" for name, extra in extras.items() if extra is not None}
    if skipped:
        pytest.skip(f"optional extras not installed: {skipped}")


def test_the_bundled_rule_packs_are_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packs = sorted(p.name for p in (REPO / "schemas" / "packs" / "data").glob("*.toml"))
    assert packs, "no bundled rule pack found"
    missing = [p for p in packs if f"ocula/schemas/packs/data/{p}" not in names]
    assert not missing, f"rule packs missing from the wheel (pyproject's package-data): {missing}"


def test_the_calibration_table_is_in_the_wheel(wheel: Path) -> None:
    assert "ocula/schemas/calibration.toml" in set(zipfile.ZipFile(wheel).namelist())
