"""The review page in a real browser (Debian's chromium and chromium-driver, driven by Selenium).

`ocula review` runs as a separate process, as a user starts it. The test checks that every field's box is drawn
where the record puts it on the page image, selects fields from the list and from the page, edits a value with live
validation, picks a line the server's OCR read, accepts and undoes from the keyboard, reloads, kills and restarts
the server and finds every correction again, pages through a two-page form and adds a list item; then exports the
corrections and fine-tunes on them with `ocula finetune`. Screenshots go to the test's folder (and to
$OCULA_REVIEW_SCREENSHOTS when set).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fixtures.review import (
    FORM_FIELDS,
    RECEIPT_FIELDS,
    RECEIPT_TOTAL_BOX,
    form_record,
    receipt_record,
    write_form_schema,
    write_results,
)

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
try:
    import selenium  # noqa: F401

    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

pytestmark = [
    pytest.mark.slow,  # starts chromium and a server that loads the OCR engine; fine-tunes a tiny model
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER and HAVE_SELENIUM),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver) and "
        "selenium (the dev extra); .ci/run installs them",
    ),
]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]
WAIT = 180.0  # the server's first OCR loads the engine: tens of seconds on a busy two-core machine


class Server:
    """`ocula review RESULTS --no-browser --port 0` in its own process; `url` is the address it prints."""

    def __init__(self, results: Path, cwd: Path) -> None:
        command = [sys.executable, "-c", "from ocula.cli import main; main()", "review", str(results)]
        command += ["--schema", "sroie", "--no-browser", "--port", "0", "--reviewer", "tester"]
        repo = str(Path(__file__).resolve().parents[3])  # for a run from the repository without installing
        env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), repo]))}
        self.log = cwd / "server.log"  # a file, not a pipe nobody reads: the server never blocks on its messages
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], WAIT)  # the address, once it listens
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise AssertionError(f"no address printed: {line!r}; the server said: {self.log.read_text()}")
        self.url = line.strip()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: nothing gets to flush
        self.process.wait(timeout=30)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    form = form_record()
    form["schema"] = write_form_schema(tmp_path)
    return write_results(tmp_path / "results.jsonl", [receipt_record(), form])


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()


def until(driver: Any, check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def attempt(_: Any) -> Any:
        try:
            return check()
        except StaleElementReferenceException:
            return None

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(attempt)
    except Exception as err:
        message = driver.execute_script("return document.getElementById('message').textContent")
        raise AssertionError(f"waited {timeout:.0f} s for {what}; the page says {message!r}") from err


def field(driver: Any, path: str) -> dict[str, Any]:
    """A field's row in the list: value, state, whether it is selected."""
    return driver.execute_script(
        """const li = document.querySelector(`#fields li[data-path="${arguments[0]}"]`);
        return li && {value: li.querySelector('.fvalue').textContent, state: li.querySelector('.fstate').textContent,
                      selected: li.classList.contains('selected')};""",
        path,
    )


def drawn_box(driver: Any, path: str) -> dict[str, float] | None:
    """Where the field's box is on screen, as fractions of the page image's on-screen size."""
    return driver.execute_script(
        """const r = document.querySelector(`#box-layer rect[data-path="${arguments[0]}"]`);
        if (!r) return null;
        const img = document.getElementById('page-image').getBoundingClientRect(), b = r.getBoundingClientRect();
        return {x0: (b.left - img.left) / img.width, y0: (b.top - img.top) / img.height,
                x1: (b.right - img.left) / img.width, y1: (b.bottom - img.top) / img.height,
                imgWidth: img.width, stroke: r.getAttribute('stroke'), cls: r.getAttribute('class')};""",
        path,
    )


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    until(driver, lambda: driver.execute_script("return document.body.dataset.ready === '1'"), "the page to load")


def press(driver: Any, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def click_field(driver: Any, path: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f'#fields li[data-path="{path}"] .fpath').click()
    until(driver, lambda: field(driver, path)["selected"], f"{path} to be selected")


def screenshot(driver: Any, folder: Path, name: str) -> Path:
    loaded = "const i = document.getElementById('page-image'); return i.dataset.loaded === i.getAttribute('href');"
    until(driver, lambda: driver.execute_script(loaded), "the page image to load", WAIT)
    path = folder / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    extra = os.environ.get("OCULA_REVIEW_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / name)
    return path


def hue(colour: str) -> int:
    match = re.match(r"hsl\((\d+)", colour)
    assert match, colour
    return int(match.group(1))


def test_review_in_a_browser_then_finetune_on_the_export(
    browser: Any, results: Path, tmp_path: Path, tiny_base: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    server = Server(results, cwd=tmp_path)
    try:
        open_page(driver, server.url)
        # the queue opens on the lowest confidence first: the receipt (0.3) before the form (0.5)
        assert driver.find_element(By.ID, "doc-name").text == "receipt.jpg"
        assert [e.text.split("\n")[0] for e in driver.find_elements(By.CSS_SELECTOR, "#queue .qname")] == [
            "receipt.jpg",
            "form.pdf",
        ]
        until(
            driver,
            lambda: driver.execute_script("return document.getElementById('page-image').getBBox().width > 0"),
            "the image",
        )

        # every field's box is drawn where the record puts it, scaled with the page image
        for path, (_, box, _) in RECEIPT_FIELDS.items():
            drawn = drawn_box(driver, path)
            assert drawn is not None, f"no box drawn for {path}"
            tolerance = 2.5 / drawn["imgWidth"]  # the stroke and rounding: a couple of screen pixels
            for key, expected in zip(
                ("x0", "y0", "x1", "y1"), (box[0] / 576, box[1] / 1088, box[2] / 576, box[3] / 1088), strict=True
            ):
                assert abs(drawn[key] - expected) < tolerance, (path, key, drawn[key], expected)
        assert hue(drawn_box(driver, "total")["stroke"]) < 20  # 0.3: red
        assert hue(drawn_box(driver, "company")["stroke"]) > 100  # 0.97: green
        screenshot(driver, tmp_path, "receipt-opened.png")

        # clicking a box selects its field; clicking a field highlights its box and zooms to it
        driver.find_element(By.CSS_SELECTOR, '#box-layer rect[data-path="total"]').click()
        until(driver, lambda: field(driver, "total")["selected"], "the box to select total")
        click_field(driver, "date")
        assert "selected" in drawn_box(driver, "date")["cls"]
        view_box = driver.execute_script("return document.getElementById('page').getAttribute('viewBox')")
        assert view_box != "0 0 576 1088" and float(view_box.split()[2]) < 576

        # edit: the schema's verdict shows while typing; Enter saves
        click_field(driver, "total")
        box = driver.find_element(By.ID, "value-input")
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("fifty")
        message = driver.find_element(By.ID, "value-msg")
        until(driver, lambda: message.text == "Input should be a valid decimal", "the live validation message")
        click_field(driver, "date")
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("23/03/2018", Keys.ENTER)
        until(driver, lambda: field(driver, "date")["state"] == "edited", "the edit to be saved")
        assert field(driver, "date")["value"] == "23/03/2018"

        # pick: the total from the page's text, its box becomes the field's box
        click_field(driver, "total")
        press(driver, "p")
        until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#ocr-layer rect"), "the page's OCR lines", WAIT)
        candidates = driver.execute_script(
            """return [...document.querySelectorAll('#ocr-layer rect')].map((r, i) => ({i,
                text: r.querySelector('title').textContent,
                box: ['x', 'y', 'width', 'height'].map((k) => Number(r.getAttribute(k)))}));"""
        )
        fifties = [c for c in candidates if c["text"].strip() == "50.55"]
        assert fifties, [c["text"] for c in candidates]
        target = min(
            fifties, key=lambda c: abs(c["box"][1] - RECEIPT_TOTAL_BOX[1]) + abs(c["box"][0] - RECEIPT_TOTAL_BOX[0])
        )
        assert abs(target["box"][1] - RECEIPT_TOTAL_BOX[1]) < 15  # the OCR read the total where it is printed
        driver.find_elements(By.CSS_SELECTOR, "#ocr-layer rect")[target["i"]].click()
        until(driver, lambda: field(driver, "total")["state"] == "picked", "the pick to be saved")
        assert field(driver, "total")["value"] == "50.55"
        picked = driver.execute_script(
            """const r = document.querySelector('#box-layer rect[data-path="total"]');
            return ['x', 'y', 'width', 'height'].map((k) => Number(r.getAttribute(k)));"""
        )
        assert picked == pytest.approx(target["box"], abs=0.2)

        # keyboard: accept the company, mark the address absent, undo that
        click_field(driver, "company")
        press(driver, "a")
        until(driver, lambda: field(driver, "company")["state"] == "accepted", "accept")
        assert field(driver, "date")["selected"]  # accept moves to the next field
        click_field(driver, "address")
        press(driver, "x")
        until(driver, lambda: field(driver, "address")["state"] == "absent", "absent")
        press(driver, "u")
        until(driver, lambda: field(driver, "address")["state"] == "unchecked", "undo")
        driver.find_element(By.ID, "fit").click()
        screenshot(driver, tmp_path, "receipt-reviewed.png")

        # reload: the corrections come back from the server
        driver.refresh()
        open_page(driver, driver.current_url)
        assert driver.find_element(By.ID, "doc-name").text == "receipt.jpg"
        assert field(driver, "date") | {"value": "23/03/2018", "state": "edited"} == field(driver, "date")
        assert field(driver, "total") | {"value": "50.55", "state": "picked"} == field(driver, "total")
    finally:
        server.kill()

    # a killed server lost nothing: a new one resumes with every correction
    server = Server(results, cwd=tmp_path)
    try:
        open_page(driver, server.url)
        assert driver.find_element(By.ID, "doc-name").text == "receipt.jpg"
        assert field(driver, "total")["value"] == "50.55" and field(driver, "company")["state"] == "accepted"
        press(driver, "d")  # done: on to the next document not done, the two-page form
        until(driver, lambda: driver.find_element(By.ID, "doc-name").text == "form.pdf", "the next document")
        assert driver.find_element(By.ID, "page-label").text == "page 1 / 2"
        assert drawn_box(driver, "name") is not None and drawn_box(driver, "household.0.name") is None
        click_field(driver, "household.0.name")
        until(driver, lambda: driver.find_element(By.ID, "page-label").text == "page 2 / 2", "page 2")
        drawn = drawn_box(driver, "household.0.name")
        box = FORM_FIELDS["household.0.name"][2]
        assert drawn is not None and abs(drawn["x0"] - box[0] / 1240) < 3 / drawn["imgWidth"]
        driver.find_element(By.CSS_SELECTOR, '#lists button[data-list="household"]').click()
        until(
            driver,
            lambda: field(driver, "household.1.name") and field(driver, "household.1.name")["selected"],
            "the new item",
        )
        box = driver.find_element(By.ID, "value-input")
        box.click()
        box.send_keys("Ellie Holloway", Keys.ENTER)
        until(driver, lambda: field(driver, "household.1.name")["state"] == "edited", "the new item's name")
        driver.find_element(By.ID, "fit").click()
        screenshot(driver, tmp_path, "form-page-2.png")
    finally:
        server.kill()

    # the export feeds `ocula finetune` as it is
    import ocula.cli.finetune
    import ocula.cli.review  # noqa: F401  (registers the commands)
    from ocula.cli import app

    out = tmp_path / "labelled.jsonl"
    exported = CliRunner().invoke(app, ["review", str(results), "--schema", "sroie", "--export", str(out)])
    assert exported.exit_code == 0 and "2 record(s) written" in exported.stderr, exported.stderr
    trained = CliRunner().invoke(
        app,
        ["finetune", "--examples", str(out), "--out", str(tmp_path / "adapter"), "--schema", "sroie",
         "--model", str(tiny_base), "--epochs", "1", "--layers", "1", "--grad-accum", "1", "--rank", "2",
         "--decoding", "json", "-q"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.stderr
    assert "adapter written to" in trained.stderr and "1 example(s)" in trained.stderr
    assert f"({form_record()['source']}): value not valid for SroieReceipt" in trained.stderr  # the form is no receipt


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fixtures.tiny_models import save_tiny_lm

    return save_tiny_lm(tmp_path_factory.mktemp("tiny") / "lm")
