"""The page's assets ship in the wheel and load nothing from elsewhere (it works offline)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
STATIC = REPO / "ocula" / "review" / "static"


def test_the_static_files_are_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert "ocula.review" in setuptools["packages"]
    globs = setuptools["package-data"]["ocula.review"]
    files = sorted(p.relative_to(STATIC.parent).as_posix() for p in STATIC.iterdir())
    assert files == ["static/app.js", "static/index.html", "static/page.js", "static/style.css"]
    assert all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files)
    extras = config["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[]", r)[0] for r in extras["dev"]}
    assert {re.split(r"[<>=\[]", r)[0] for r in extras["review"]} <= names  # CI (the dev extra) has them


def test_no_asset_loads_anything_from_another_site() -> None:
    for path in STATIC.iterdir():
        text = path.read_text().replace("http://www.w3.org/2000/svg", "")  # a namespace name, never fetched
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), path.name
        assert "@import" not in text and "cdn" not in text.lower(), path.name
    html = (STATIC / "index.html").read_text()
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == ["/static/style.css", "/static/page.js", "/static/app.js"]
