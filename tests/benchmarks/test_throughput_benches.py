"""The throughput benchmarks' own logic: the floor, the length fit, stacked receipts, the baseline checkout's
package layout and the baseline's arguments."""

import math

from PIL import Image

from benchmarks.bench_batch import _strip, package_shim
from benchmarks.bench_length import fit, stack, summarize
from benchmarks.floor import Rates, floor_seconds, median_split


def test_floor_is_ocr_plus_one_prefill_plus_the_values():
    rates = Rates(prefill_tokens_per_s=500.0, decode_tokens_per_s=50.0)
    assert math.isclose(floor_seconds(1.0, 1000, 25, rates), 1.0 + 2.0 + 0.5)


def test_median_split_skips_rows_without_timings():
    rows = [
        {"timings": {"ocr": 1.0, "scoring": 0.5}, "tokens": {"prefilled": 600}},
        {"timings": {"ocr": 3.0, "scoring": 0.1}, "tokens": {"prefilled": 400}},
        {"timings": {"ocr": 2.0, "scoring": 0.2}, "tokens": {"prefilled": 500}},
        {"value": None},
    ]
    split = median_split(rows)
    assert split["ocr"] == 2.0 and split["scoring"] == 0.2 and split["json"] == 0.0
    assert split["prefilled_tokens"] == 500
    assert median_split([{"value": None}]) == {}


def test_fit_predicts_30_and_100_lines():
    line = fit([10, 30, 50, 100], [1.2, 1.6, 2.0, 3.0])  # 1 s + 0.02 s per line
    assert line is not None
    assert math.isclose(line["slope_s_per_line"], 0.02, rel_tol=1e-3)
    assert math.isclose(line["ratio_100_to_30"], 3.0 / 1.6, rel_tol=1e-3)
    assert fit([30, 30], [1.0, 2.0]) is None  # one length: no slope


def test_summary_measures_the_bands_and_refits_without_the_longest_pages():
    rows = [
        {"kind": "forms", "page": f"f{n}", "lines": n, "seconds": 1 + 0.02 * n, "extract_s": 1.0, "peak_mb": n}
        for n in (25, 30, 35, 95, 100, 105)
    ]
    rows.append({"kind": "pdf", "page": "table", "lines": 1300, "seconds": 10.0, "extract_s": 1.0, "peak_mb": 900})
    report = summarize(rows, ["forms", "pdf"])
    bands = report["bands"]
    assert bands["20-40"] == {"pages": 3, "seconds_median": 1.6} and bands["90-110"]["pages"] == 3
    assert math.isclose(bands["ratio"], 3.0 / 1.6, rel_tol=1e-3)
    assert math.isclose(report["fit_seconds_up_to_250_lines"]["slope_s_per_line"], 0.02, rel_tol=1e-3)
    assert report["fit_seconds"]["slope_s_per_line"] < 0.01  # the 1,300-line page levers the fit of all pages
    assert report["peak_page"] == "table" and report["by_kind"]["pdf"]["pages"] == 1


def test_stacked_receipt_is_both_one_above_the_other(tmp_path):
    Image.new("RGB", (40, 30), "red").save(tmp_path / "a.png")
    Image.new("RGB", (60, 20), "blue").save(tmp_path / "b.png")
    page = stack(tmp_path / "a.png", tmp_path / "b.png")
    assert page.size == (60, 50)
    assert page.getpixel((5, 5)) == (255, 0, 0) and page.getpixel((5, 40)) == (0, 0, 255)
    assert page.getpixel((50, 5)) == (255, 255, 255)  # the narrower one padded with white


def test_package_shim_follows_the_checkouts_layout(tmp_path):
    src = tmp_path / "src"
    (src / "ocula").mkdir(parents=True)
    (src / "ocula" / "__init__.py").write_text("")
    (src / "pipelines").mkdir()
    (src / "pipelines" / "__init__.py").write_text("")
    (src / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = { "ocula" = "ocula", "ocula.pipelines" = "pipelines" }\n'
    )
    shim = package_shim(src, tmp_path / "shim")
    assert (shim / "ocula" / "__init__.py").resolve() == (src / "ocula" / "__init__.py").resolve()
    assert (shim / "ocula" / "pipelines").resolve() == (src / "pipelines").resolve()


def test_strip_drops_an_option_and_its_value():
    argv = ["--data", "d", "--baseline-src", "/tmp/base", "--report=r.json", "--limit", "4"]
    assert _strip(_strip(argv, "--baseline-src"), "--report") == ["--data", "d", "--limit", "4"]
