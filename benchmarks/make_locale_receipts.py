"""Generate receipts and invoices in German, French and Spanish (and English as a control), with their truth.

    python benchmarks/make_locale_receipts.py --out /tmp/ocula-locale-receipts --per-locale 12

Writes `img/<locale>_<NNN>.jpg` and `key/<locale>_<NNN>.json` (SROIE's fields `company`, `date`, `address`,
`total`, plus `locale`, the ISO date, the printed total, the items and tax, and every printed line) in the
layout of `../shared/data/sroie`, so the receipt benchmarks read it as they read SROIE. Layouts vary: till
receipts (label left, amount right, or `label: amount` on one line; the date at the top or the bottom; tax as
one line or a table; cash and change or a card) and invoices (seller and customer blocks, an item table, net,
tax and total, a due date). Words, shops, number and date formats come from `locale_receipt_data.py`. Fonts:
the TrueType faces found under `--fonts` (DejaVu and Liberation are looked for), else PIL's default font.
Each page is then made to look photographed (a tilt of at most 2 degrees, uneven lighting, blur, grain, JPEG
artefacts). A fixed seed gives the same files on every run. Everything is fictitious.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

try:
    from benchmarks.locale_receipt_data import ITEMS, LOCALES, format_amount, format_date, money, with_currency
except ImportError:  # run as a script
    from locale_receipt_data import ITEMS, LOCALES, format_amount, format_date, money, with_currency  # type: ignore

FONT_DIRS = ("/usr/share/fonts",)
# (face name, regular file, bold file): the faces looked for, in preference order
FACES = (
    ("mono", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    ("sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("condensed", "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    ("serif", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    ("liberation-mono", "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    ("liberation-sans", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("liberation-serif", "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
)
INK = (30, 30, 34)


@dataclass(frozen=True)
class Face:
    name: str
    regular: Path | None  # None: PIL's default font
    bold: Path | None

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        path = (self.bold or self.regular) if bold else self.regular
        return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)


def available_faces(dirs: tuple[str, ...] | list[str] = FONT_DIRS) -> list[Face]:
    """The faces of `FACES` found under `dirs`; PIL's default font alone when there is none."""
    files: dict[str, Path] = {}
    for folder in dirs:
        if Path(folder).is_dir():
            for path in sorted(Path(folder).rglob("*.ttf")):
                files.setdefault(path.name, path)
    faces = [Face(name, files[reg], files.get(bold)) for name, reg, bold in FACES if reg in files]
    return faces or [Face("pil-default", None, None)]


class Sheet:
    """A page being written top to bottom; records every printed line."""

    def __init__(self, width: int, margin: int, face: Face, size: int, bold_size: int) -> None:
        self.image = Image.new("RGB", (width, 4000), (252, 251, 247))
        self.draw = ImageDraw.Draw(self.image)
        self.width, self.margin, self.y = width, margin, margin
        self.regular, self.bold = face.font(size), face.font(bold_size, bold=True)
        self.line_height = int(size * 1.45)
        self.lines: list[str] = []

    def _fit(self, text: str, font: Any, room: float) -> str:
        while text and self.draw.textlength(text, font=font) > room:
            text = text[:-1]
        return text

    def put(self, x: float, text: str, font: Any, anchor: str = "la") -> None:
        self.draw.text((x, self.y), text, font=font, fill=INK, anchor=anchor)

    def line(self, text: str, align: str = "left", bold: bool = False, x: float | None = None) -> None:
        font = self.bold if bold else self.regular
        room = self.width - 2 * self.margin
        text = self._fit(text, font, room)
        if align == "center":
            self.put(self.width / 2, text, font, "ma")
        elif align == "right":
            self.put(self.width - self.margin, text, font, "ra")
        else:
            self.put(self.margin if x is None else x, text, font)
        self.lines.append(text)
        self.y += max(self.line_height, int(getattr(font, "size", 0) * 1.35)) + (4 if bold else 0)

    def row(self, left: str, right: str, bold: bool = False, left_x: float | None = None) -> None:
        """A label (cut to fit) at the left and an amount at the right edge, on one line."""
        font = self.bold if bold else self.regular
        x = self.margin if left_x is None else left_x
        room = self.width - self.margin - x - self.draw.textlength(right, font=font) - 16
        left = self._fit(left, font, room)
        self.put(x, left, font)
        self.put(self.width - self.margin, right, font, "ra")
        self.lines.append(f"{left} {right}")
        self.y += self.line_height + (4 if bold else 0)

    def columns(self, cells: list[tuple[float, str, str]]) -> None:
        """Cells at x positions (anchor 'la' left, 'ra' right) on one line."""
        for x, text, anchor in cells:
            self.put(x, text, self.regular, anchor)
        self.lines.append(" ".join(text for _, text, _ in cells))
        self.y += self.line_height

    def rule(self) -> None:
        y = self.y + self.line_height // 3
        self.draw.line((self.margin, y, self.width - self.margin, y), fill=(120, 120, 120), width=1)
        self.y += self.line_height * 2 // 3

    def gap(self, lines: float = 0.6) -> None:
        self.y += int(self.line_height * lines)

    def page(self) -> Image.Image:
        return self.image.crop((0, 0, self.width, self.y + self.margin))


def _pick(rng: np.random.Generator, options: list[Any] | tuple[Any, ...]) -> Any:
    return options[int(rng.integers(len(options)))]


def _digits(rng: np.random.Generator, template: str) -> str:
    out = template
    for n in (9, 8, 5, 4, 3, 2, 1):
        while f"{{n{n}}}" in out:
            out = out.replace(f"{{n{n}}}", "".join(str(int(d)) for d in rng.integers(0, 10, n)), 1)
    return out


@dataclass
class Receipt:
    """What one generated document says: the truth and everything printed around it."""

    locale: str
    kind: str
    company: str
    address: list[str]
    date: tuple[int, int, int]
    date_text: str
    items: list[tuple[str, int, Decimal, Decimal]]  # name, quantity, unit price, line amount
    tax_rate: float
    tax: Decimal
    tax_added: bool  # invoices add tax to net amounts; till receipts print gross amounts with tax included
    total: Decimal
    fmt: tuple[str, str, str, str]  # decimal mark, thousands mark, currency, currency before/after

    def amount(self, value: Decimal, currency: bool = False) -> str:
        decimal, thousands, symbol, where = self.fmt
        text = format_amount(value, decimal, thousands)
        return with_currency(text, symbol, where) if currency else text


def plan(rng: np.random.Generator, locale: str, invoice: bool) -> Receipt:
    data = LOCALES[locale]
    kind = _pick(rng, ["hardware", "hardware", "drugstore"] if invoice else list(data["shops"]))
    company = _pick(rng, data["shops"][kind])
    street = data["street_format"].format(street=_pick(rng, data["streets"]), number=int(rng.integers(1, 180)))
    address = [street, _pick(rng, data["towns"])]
    year, month, day = int(rng.integers(2018, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    date_text = format_date(_pick(rng, data["dates"]), year, month, day, data["months"].split())
    stock = list(ITEMS[locale][kind])
    rng.shuffle(stock)
    items = []
    for name, low, high in stock[: int(rng.integers(2, 7))]:
        quantity = int(rng.integers(1, 11 if invoice else 4))
        unit = money(rng.uniform(low, high))
        items.append((name, quantity, unit, money(unit * quantity)))
    rate = float(_pick(rng, data["tax_rates"]))
    subtotal = sum((it[3] for it in items), Decimal(0))
    if invoice:
        tax = money(subtotal * Decimal(str(rate)) / 100)
        total = subtotal + tax
    else:
        total = subtotal
        tax = money(total * Decimal(str(rate)) / Decimal(str(100 + rate)))
    symbol, where = _pick(rng, data["currency"])
    fmt = (data["decimal"], _pick(rng, data["thousands"]), symbol, where)
    return Receipt(locale, kind, company, address, (year, month, day), date_text, items, rate, tax, invoice, total, fmt)


def _rate(rate: float, decimal: str) -> str:
    return (f"{rate:g}").replace(".", decimal)


def draw_till(r: Receipt, rng: np.random.Generator, face: Face) -> Sheet:
    labels = LOCALES[r.locale]["labels"]
    size = int(rng.integers(17, 23))
    sheet = Sheet(int(rng.integers(470, 640)), int(rng.integers(18, 34)), face, size, size + int(rng.integers(1, 7)))
    upper = bool(rng.random() < 0.5)
    sheet.line(r.company.upper() if upper else r.company, "center", bold=True)
    for text in r.address:
        sheet.line(text.upper() if upper else text, "center")
    sheet.line(_digits(rng, f"{_pick(rng, labels['phone'])} 0{{n3}} {{n4}}{{n2}}"), "center")
    if rng.random() < 0.6:
        sheet.line(_digits(rng, _pick(rng, labels["tax_id"])), "center")
    sheet.gap()
    hour, minute = int(rng.integers(7, 21)), int(rng.integers(0, 60))
    date_line = f"{_pick(rng, labels['date'])} {r.date_text}  {hour:02d}:{minute:02d}"
    date_top = bool(rng.random() < 0.5)
    if date_top:
        sheet.line(date_line)
        sheet.line(_digits(rng, f"{_pick(rng, labels['receipt_no'])} {{n4}}  {_pick(rng, labels['cashier'])}"))
    sheet.rule()
    tax_letter = " A" if r.locale == "de" and rng.random() < 0.5 else ""
    for name, quantity, unit, amount in r.items:
        if rng.random() < 0.2:
            sheet.line(_digits(rng, "{n8}{n5}"))  # an article number above the item
        sheet.row(name, r.amount(amount) + tax_letter)
        if quantity > 1:
            sheet.line(f"  {quantity} x {r.amount(unit)}")
    sheet.rule()
    if rng.random() < 0.4:
        sheet.row(_pick(rng, labels["till_subtotal"]), r.amount(r.total))
    label = _pick(rng, labels["total"])
    total_text = r.amount(r.total, currency=bool(rng.random() < 0.7))
    if rng.random() < 0.3:
        sheet.line(f"{label}: {total_text}", bold=True)
    else:
        sheet.row(label, total_text, bold=True)
    tax_label = _pick(rng, labels["tax"]).format(rate=_rate(r.tax_rate, r.fmt[0]))
    if rng.random() < 0.5:
        sheet.row(tax_label, r.amount(r.tax))
    else:
        x = [sheet.margin, sheet.width * 0.45, sheet.width * 0.68, sheet.width - sheet.margin]
        heads = ("%", labels["net"], tax_label.split()[0], labels["gross"])
        sheet.columns([(x[0], heads[0], "la"), (x[1], heads[1], "ra"), (x[2], heads[2], "ra"), (x[3], heads[3], "ra")])
        net = r.total - r.tax
        cells = [_rate(r.tax_rate, r.fmt[0]) + "%", r.amount(net), r.amount(r.tax), r.amount(r.total)]
        sheet.columns([(x[0], cells[0], "la"), (x[1], cells[1], "ra"), (x[2], cells[2], "ra"), (x[3], cells[3], "ra")])
    if rng.random() < 0.6:
        given = (r.total // 10 + 1) * 10 + Decimal(int(rng.choice([0, 10, 40])))
        sheet.row(_pick(rng, labels["cash"]), r.amount(given))
        sheet.row(_pick(rng, labels["change"]), r.amount(given - r.total))
    else:
        sheet.row(_pick(rng, labels["card"]), r.amount(r.total))
    sheet.gap()
    if not date_top:
        sheet.line(date_line)
        sheet.line(_digits(rng, f"{_pick(rng, labels['receipt_no'])} {{n4}}  {_pick(rng, labels['cashier'])}"))
    sheet.line(_pick(rng, labels["thanks"]), "center")
    return sheet


def draw_invoice(r: Receipt, rng: np.random.Generator, face: Face) -> Sheet:
    data = LOCALES[r.locale]
    labels = data["labels"]
    size = int(rng.integers(16, 21))
    sheet = Sheet(int(rng.integers(880, 1060)), int(rng.integers(40, 70)), face, size, size + 2)
    sheet.bold = face.font(size + int(rng.integers(8, 16)), bold=True)
    sheet.line(r.company, bold=True)
    sheet.bold = face.font(size + 2, bold=True)
    for text in r.address:
        sheet.line(text)
    sheet.line(_digits(rng, f"{_pick(rng, labels['phone'])} 0{{n3}} {{n4}}{{n2}}"))
    sheet.gap()
    sheet.line(labels["invoice"], "right", bold=True)
    sheet.line(_digits(rng, f"{_pick(rng, labels['invoice_no'])}: {{n4}}-{{n3}}"), "right")
    sheet.line(f"{_pick(rng, labels['date']).rstrip(':')}: {r.date_text}", "right")
    sheet.gap()
    sheet.line(labels["customer"] + ":")
    sheet.line(_pick(rng, data["customers"]))
    customer_street = data["street_format"].format(street=_pick(rng, data["streets"]), number=int(rng.integers(1, 99)))
    sheet.line(customer_street)
    sheet.line(_pick(rng, data["towns"]))
    sheet.gap()
    x = [sheet.margin, sheet.width * 0.58, sheet.width * 0.76, sheet.width - sheet.margin]
    head = labels["head"]
    sheet.columns([(x[0], head[0], "la"), (x[1], head[1], "ra"), (x[2], head[2], "ra"), (x[3], head[3], "ra")])
    sheet.rule()
    for name, quantity, unit, amount in r.items:
        cells = [name, str(quantity), r.amount(unit), r.amount(amount)]
        sheet.columns([(x[0], cells[0], "la"), (x[1], cells[1], "ra"), (x[2], cells[2], "ra"), (x[3], cells[3], "ra")])
    sheet.rule()
    left = sheet.width * 0.5
    sheet.row(_pick(rng, labels["subtotal"]), r.amount(r.total - r.tax, bool(rng.random() < 0.5)), left_x=left)
    tax_label = _pick(rng, labels["tax"][:2]).format(rate=_rate(r.tax_rate, r.fmt[0]))  # not "included"
    sheet.row(tax_label, r.amount(r.tax), left_x=left)
    sheet.row(_pick(rng, labels["invoice_total"]), r.amount(r.total, currency=True), bold=True, left_x=left)
    sheet.gap()
    due = datetime.date(*r.date) + datetime.timedelta(days=int(rng.choice([14, 30])))
    due_text = format_date(_pick(rng, data["dates"]), due.year, due.month, due.day, data["months"].split())
    sheet.line(f"{_pick(rng, labels['due'])}: {due_text}")
    sheet.line(_digits(rng, labels["iban"]))
    sheet.line(_digits(rng, _pick(rng, labels["tax_id"])))
    return sheet


def photograph(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The page as if photographed on a table: margin, tilt (at most 2 degrees), uneven light, blur, grain."""
    background = tuple(int(v) for v in rng.integers(70, 170, 3))
    pad = int(rng.integers(16, 60))
    canvas = Image.new("RGB", (page.width + 2 * pad, page.height + 2 * pad), background)
    canvas.paste(page, (pad + int(rng.integers(-8, 9)), pad + int(rng.integers(-8, 9))))
    angle = float(rng.uniform(-2.0, 2.0))
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background)
    h, w = canvas.height, canvas.width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.18, 0.18, 2)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    light = 1.0 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    light -= rng.uniform(0.0, 0.2) * (((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
    pixels = np.asarray(canvas, dtype=np.float32) * np.clip(light, 0.55, 1.15)[..., None]
    pixels += rng.normal(0.0, rng.uniform(2.0, 6.0), pixels.shape[:2])[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))


def make_one(rng: np.random.Generator, locale: str, faces: list[Face]) -> tuple[Image.Image, dict[str, Any], int]:
    invoice = bool(rng.random() < 0.3)
    receipt = plan(rng, locale, invoice)
    face = _pick(rng, faces)
    sheet = (draw_invoice if invoice else draw_till)(receipt, rng, face)
    year, month, day = receipt.date
    truth = {
        "company": receipt.company,
        "date": receipt.date_text,
        "address": " ".join(receipt.address),
        "total": f"{receipt.total:.2f}",
        "locale": locale,
        "date_iso": f"{year:04d}-{month:02d}-{day:02d}",
        "total_printed": receipt.amount(receipt.total),
        "layout": "invoice" if invoice else "till",
        "kind": receipt.kind,
        "font": face.name,
        "currency": receipt.fmt[2],
        "items": [
            {"name": n, "quantity": q, "unit": receipt.amount(u), "amount": receipt.amount(a)}
            for n, q, u, a in receipt.items
        ],
        "tax": receipt.amount(receipt.tax),
        "tax_rate": receipt.tax_rate,
        "tax_added": receipt.tax_added,
        "lines": sheet.lines,
    }
    return photograph(sheet.page(), rng), truth, int(rng.integers(40, 81))


def generate(
    out: str | Path,
    per_locale: int = 12,
    locales: tuple[str, ...] | list[str] = ("de", "fr", "es", "en"),
    seed: int = 0,
    font_dirs: tuple[str, ...] | list[str] = FONT_DIRS,
) -> list[Path]:
    """Write `per_locale` documents per locale to `out/img` and their truth to `out/key`; returns the images."""
    out = Path(out)
    (out / "img").mkdir(parents=True, exist_ok=True)
    (out / "key").mkdir(parents=True, exist_ok=True)
    faces = available_faces(font_dirs)
    written = []
    for li, locale in enumerate(locales):
        for i in range(per_locale):
            rng = np.random.default_rng([seed, li, i])
            image, truth, quality = make_one(rng, locale, faces)
            stem = f"{locale}_{i:03d}"
            image.save(out / "img" / f"{stem}.jpg", quality=quality)
            (out / "key" / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
            written.append(out / "img" / f"{stem}.jpg")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/ocula-locale-receipts")
    parser.add_argument("--per-locale", type=int, default=12)
    parser.add_argument("--locales", default="de,fr,es,en")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fonts", default=",".join(FONT_DIRS), help="folders searched for TrueType fonts")
    args = parser.parse_args(argv)
    images = generate(args.out, args.per_locale, args.locales.split(","), args.seed, args.fonts.split(","))
    print(f"{len(images)} documents written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
