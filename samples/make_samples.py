"""Render Ocula's synthetic sample documents and their ground truth.

Run `python samples/make_samples.py [OUT_DIR]` (default: this folder). For each document it writes the file
and `NAME.truth.json`: page sizes, each field's value, page and box, and every text line with its box,
in pixels of the written image (for the PDF: pixels of a page rendered at 150 dpi).
Everything is fictitious, and the output is the same on every run (fixed seed, fixed PDF dates).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SEED = 20240517
PDF_DPI = 150
INK = (28, 28, 32)
BLUE_INK = (22, 48, 140)

Box = tuple[int, int, int, int]


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / f"{name}.ttf"), size)


def union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


@dataclass
class Page:
    image: Image.Image
    draw: ImageDraw.ImageDraw


@dataclass
class Doc:
    """Pages being drawn, and the truth recorded while drawing: every text line, and named fields."""

    name: str
    schema: str
    pages: list[Page] = field(default_factory=list)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)

    def new_page(self, size: tuple[int, int], colour: tuple[int, int, int] = (255, 255, 255)) -> int:
        image = Image.new("RGB", size, colour)
        self.pages.append(Page(image, ImageDraw.Draw(image)))
        return len(self.pages) - 1

    def write(
        self,
        page: int,
        xy: tuple[float, float],
        text: str,
        fnt: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int] = INK,
        anchor: str = "la",
        record: bool = True,
    ) -> Box:
        """Draw one line of text and record it; returns its ink box."""
        draw = self.pages[page].draw
        draw.text(xy, text, font=fnt, fill=fill, anchor=anchor)
        box = _int_box(draw.textbbox(xy, text, font=fnt, anchor=anchor))
        if record and text.strip():
            self.lines.append({"page": page, "text": text, "box": list(box)})
        return box

    def write_pair(
        self,
        page: int,
        xy: tuple[float, float],
        prefix: str,
        value: str,
        fnt: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int] = INK,
        anchor: str = "la",
    ) -> Box:
        """Draw `prefix + value` as one line; returns the box of the value alone."""
        text = prefix + value
        self.write(page, xy, text, fnt, fill, anchor)
        draw = self.pages[page].draw
        width = draw.textlength(text, font=fnt)
        left = {"l": xy[0], "m": xy[0] - width / 2, "r": xy[0] - width}[anchor[0]]
        start = left + draw.textlength(prefix, font=fnt)
        return _int_box(draw.textbbox((start, xy[1]), value, font=fnt, anchor="l" + anchor[1]))

    def field(self, name: str, value: Any, page: int, box: Box) -> None:
        self.fields[name] = {"value": value, "page": page, "box": list(box)}

    def truth(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "schema": self.schema,
            "pages": [{"width": p.image.width, "height": p.image.height} for p in self.pages],
            "fields": self.fields,
            "lines": self.lines,
        }


def _int_box(box: Sequence[float]) -> Box:
    return (math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3]))


# receipt ---------------------------------------------------------------------------------------
def receipt(rng: np.random.Generator) -> tuple[Doc, Image.Image]:
    """An 80 mm till receipt in the manner of SROIE: shop, address, date, items, TOTAL."""
    doc = Doc("receipt", "receipt")
    width = 576
    p = doc.new_page((width, 1400), (250, 249, 245))
    mono, bold = font("DejaVuSansMono", 19), font("DejaVuSansMono-Bold", 22)
    cx, left, right = width // 2, 28, width - 28
    y = 36
    company = ["KEDAI RUNCIT MAJU JAYA", "SDN BHD"]
    boxes = []
    for text in company:
        boxes.append(doc.write(p, (cx, y), text, bold, anchor="ma"))
        y += 30
    doc.field("company", " ".join(company), p, union(boxes))
    doc.write(p, (cx, y), "(CO. REG 801234-K)", mono, anchor="ma")
    y += 34
    address = ["NO 17, JALAN PERMAI 3,", "TAMAN SRI PERMAI,", "81300 SKUDAI, JOHOR."]
    boxes = []
    for text in address:
        boxes.append(doc.write(p, (cx, y), text, mono, anchor="ma"))
        y += 26
    doc.field("address", " ".join(address), p, union(boxes))
    doc.write(p, (cx, y), "TEL: 07-556 1234", mono, anchor="ma")
    y += 26
    doc.write(p, (cx, y), "GST ID: 000123456789", mono, anchor="ma")
    y += 40
    doc.write(p, (cx, y), "TAX INVOICE", bold, anchor="ma")
    y += 40
    doc.write(p, (left, y), "INV NO: CS00081234", mono)
    y += 26
    date_box = doc.write_pair(p, (left, y), "DATE: ", "23/03/2018", mono)
    doc.write(p, (right, y), "14:07:51", mono, anchor="ra")
    doc.field("date", "23/03/2018", p, date_box)
    y += 26
    doc.write(p, (left, y), "CASHIER: NURUL", mono)
    y += 34
    rule = "-" * 46
    doc.write(p, (cx, y), rule, mono, anchor="ma", record=False)
    y += 24
    doc.write(p, (left, y), "ITEM", mono)
    doc.write(p, (right - 150, y), "QTY", mono, anchor="ra")
    doc.write(p, (right, y), "AMOUNT", mono, anchor="ra")
    y += 24
    doc.write(p, (cx, y), rule, mono, anchor="ma", record=False)
    y += 26
    items = [
        ("MILO 3IN1 ACTIV-GO 18S", 1, 13.90),
        ("GARDENIA WHOLEMEAL 400G", 2, 3.10),
        ("DUTCH LADY UHT 1L", 2, 6.45),
        ("MAGGI KARI 5X79G", 1, 5.80),
        ("TELUR GRED A 10S", 1, 4.20),
        ("SUNLIGHT LEMON 900ML", 1, 7.55),
    ]
    subtotal = 0.0
    for name, qty, price in items:
        amount = round(qty * price, 2)
        subtotal += amount
        doc.write(p, (left, y), name, mono)
        doc.write(p, (right - 150, y), str(qty), mono, anchor="ra")
        doc.write(p, (right, y), f"{amount:.2f}", mono, anchor="ra")
        y += 24
        doc.write(p, (left + 20, y), f"@ {price:.2f}", mono)
        y += 28
    doc.write(p, (cx, y), rule, mono, anchor="ma", record=False)
    y += 28
    gst = round(subtotal * 0.06 / 1.06, 2)
    for label, value in (("TOTAL SALES (INCL GST)", subtotal), ("GST @6% INCLUDED", gst), ("ROUNDING", 0.0)):
        doc.write(p, (left, y), label, mono)
        doc.write(p, (right, y), f"{value:.2f}", mono, anchor="ra")
        y += 26
    y += 8
    total = f"{subtotal:.2f}"
    doc.write(p, (left, y), "TOTAL", bold)
    doc.field("total", total, p, doc.write(p, (right, y), total, bold, anchor="ra"))
    y += 36
    cash = 100.0
    for label, value in (("CASH", cash), ("CHANGE", cash - subtotal)):
        doc.write(p, (left, y), label, mono)
        doc.write(p, (right, y), f"{value:.2f}", mono, anchor="ra")
        y += 26
    y += 24
    doc.write(p, (cx, y), "THANK YOU. PLEASE COME AGAIN.", mono, anchor="ma")
    y += 26
    doc.write(p, (cx, y), "GOODS SOLD ARE NOT RETURNABLE", mono, anchor="ma")
    y += 50

    page = doc.pages[p].image.crop((0, 0, width, y))
    doc.pages[p] = Page(page, ImageDraw.Draw(page))
    image = _paper(page, rng, angle=0.6)
    _rotate_truth(doc, p, page.size, 0.6)
    doc.pages[p] = Page(image, ImageDraw.Draw(image))
    return doc, image


def _paper(image: Image.Image, rng: np.random.Generator, angle: float) -> Image.Image:
    """Thermal paper: a slight tilt, faint grain; kept crisp enough to read."""
    tilted = image.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=248)
    grain = rng.normal(0.0, 4.0, size=(tilted.height, tilted.width))
    pixels = np.clip(np.asarray(tilted, dtype=np.float64) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode="L")


def _rotate_truth(doc: Doc, page: int, size: tuple[int, int], angle: float) -> None:
    """Map recorded boxes through PIL's rotate (counter-clockwise about the centre, same canvas)."""
    cx, cy = size[0] / 2, size[1] / 2
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)

    def move(box: Sequence[int]) -> list[int]:
        corners = [(box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])]
        xs = [cx + (x - cx) * cos + (y - cy) * sin for x, y in corners]
        ys = [cy - (x - cx) * sin + (y - cy) * cos for x, y in corners]
        out = _int_box((min(xs), min(ys), max(xs), max(ys)))
        return [max(0, out[0]), max(0, out[1]), min(size[0], out[2]), min(size[1], out[3])]

    for item in [*doc.fields.values(), *doc.lines]:
        if item["page"] == page:
            item["box"] = move(item["box"])


# invoice ---------------------------------------------------------------------------------------
def invoice() -> tuple[Doc, Image.Image]:
    """An A4 invoice at 150 dpi: seller, buyer, number, dates, line items, subtotal, tax, total."""
    doc = Doc("invoice", "invoice")
    width, height = 1240, 1754
    p = doc.new_page((width, height))
    draw = doc.pages[p].draw
    accent = (31, 78, 121)
    regular, bold = font("DejaVuSans", 22), font("DejaVuSans-Bold", 22)
    big, small = font("DejaVuSans-Bold", 56), font("DejaVuSans", 19)
    left, right = 90, width - 90

    draw.rectangle((0, 0, width, 14), fill=accent)
    seller = doc.write(p, (left, 90), "Northwind Office Supplies Ltd", font("DejaVuSans-Bold", 30), accent)
    doc.field("seller", "Northwind Office Supplies Ltd", p, seller)
    y = 138
    for text in ("42 Harbour Road", "Bristol BS1 5TT", "United Kingdom", "VAT No. GB 123 4567 89"):
        doc.write(p, (left, y), text, small)
        y += 28
    doc.write(p, (right, 84), "INVOICE", big, accent, anchor="ra")
    number_box = doc.write_pair(p, (right, 170), "Invoice No: ", "INV-2024-0317", regular, anchor="ra")
    doc.field("invoice_number", "INV-2024-0317", p, number_box)
    date_box = doc.write_pair(p, (right, 204), "Date: ", "12 March 2024", regular, anchor="ra")
    doc.field("date", "12 March 2024", p, date_box)
    doc.write_pair(p, (right, 238), "Due: ", "11 April 2024", regular, anchor="ra")

    y = 330
    doc.write(p, (left, y), "BILL TO", bold, accent)
    buyer = doc.write(p, (left, y + 36), "Ashford & Lane Architects", bold)
    doc.field("buyer", "Ashford & Lane Architects", p, buyer)
    y += 72
    for text in ("Attn: Accounts Payable", "7 Mill Street", "Oxford OX2 6AE"):
        doc.write(p, (left, y), text, regular)
        y += 30

    y = 560
    columns = {"description": left + 14, "quantity": 800, "unit_price": 980, "amount": right - 14}
    draw.rectangle((left, y, right, y + 48), fill=accent)
    white = (255, 255, 255)
    doc.write(p, (columns["description"], y + 13), "Description", bold, white)
    doc.write(p, (columns["quantity"], y + 13), "Qty", bold, white, anchor="ra")
    doc.write(p, (columns["unit_price"], y + 13), "Unit price", bold, white, anchor="ra")
    doc.write(p, (columns["amount"], y + 13), "Amount", bold, white, anchor="ra")
    y += 48
    items = [
        ("A4 copier paper, 80 gsm (box of 5 reams)", 6, 24.50),
        ("Gel pens, black (pack of 12)", 4, 8.75),
        ("Lever arch files, blue", 20, 2.35),
        ("Desk organiser, bamboo", 3, 17.90),
        ("Whiteboard markers, assorted (pack of 8)", 5, 6.40),
    ]
    subtotal = 0.0
    for i, (description, quantity, price) in enumerate(items):
        amount = round(quantity * price, 2)
        subtotal += amount
        if i % 2:
            draw.rectangle((left, y, right, y + 50), fill=(238, 242, 247))
        row = {
            "description": (description, "la"),
            "quantity": (str(quantity), "ra"),
            "unit_price": (f"{price:,.2f}", "ra"),
            "amount": (f"{amount:,.2f}", "ra"),
        }
        for key, (text, anchor) in row.items():
            box = doc.write(p, (columns[key], y + 14), text, regular, anchor=anchor)
            doc.field(f"items[{i}].{key}", text, p, box)
        y += 50
    draw.line((left, y, right, y), fill=accent, width=2)

    tax = round(subtotal * 0.20, 2)
    y += 30
    label_x = columns["unit_price"]
    for key, label, value, fnt in (
        ("subtotal", "Subtotal", subtotal, regular),
        ("tax", "VAT 20%", tax, regular),
        ("total", "Total due (GBP)", subtotal + tax, bold),
    ):
        if key == "total":
            draw.line((label_x - 200, y - 10, right, y - 10), fill=INK, width=1)
        doc.write(p, (label_x, y), label, fnt, anchor="ra")
        text = f"{value:,.2f}"
        doc.field(key, text, p, doc.write(p, (columns["amount"], y), text, fnt, anchor="ra"))
        y += 40

    y = 1480
    terms = "Payment terms: 30 days. Please quote the invoice number with your payment."
    doc.write(p, (left, y), terms, small)
    doc.write(p, (left, y + 30), "Bank: Example Bank plc  Sort code 00-11-22  Account 12345678", small)
    draw.rectangle((0, height - 14, width, height), fill=accent)
    return doc, doc.pages[p].image


# two-page form ---------------------------------------------------------------------------------
def form() -> tuple[Doc, list[Image.Image]]:
    """A two-page membership form at 150 dpi: personal details on page 1, a table and signature on page 2."""
    doc = Doc("form", "form")
    size = (1240, 1754)
    label, title = font("DejaVuSans", 21), font("DejaVuSans-Bold", 34)
    section, answer = font("DejaVuSans-Bold", 24), font("DejaVuSerif-Italic", 26)
    left, right = 100, 1140

    p = doc.new_page(size)
    draw = doc.pages[p].draw
    doc.write(p, (left, 90), "CITY LIBRARY MEMBERSHIP APPLICATION", title)
    doc.write(p, (left, 140), "Please complete in block capitals or clear handwriting.", label)
    draw.line((left, 180, right, 180), fill=INK, width=2)
    doc.write(p, (left, 215), "Section A: Personal details", section)

    def answer_row(page: int, y: int, caption: str, value: str, key: str | None) -> Box:
        doc.write(page, (left, y + 8), caption, label)
        doc.pages[page].draw.rectangle((left + 260, y - 6, right, y + 42), outline=(120, 120, 120), width=2)
        box = doc.write(page, (left + 278, y + 4), value, answer, BLUE_INK)
        if key:
            doc.field(key, value, page, box)
        return box

    answer_row(p, 280, "Full name", "Margaret A. Holloway", "name")
    answer_row(p, 350, "Date of birth", "04/11/1987", "date_of_birth")
    first = answer_row(p, 420, "Address", "21 Larkspur Crescent", None)
    second = answer_row(p, 490, "", "Fenwick, FW4 9RL", None)
    doc.field("address", "21 Larkspur Crescent, Fenwick, FW4 9RL", p, union([first, second]))
    answer_row(p, 560, "Telephone", "01632 960 418", "phone")
    answer_row(p, 630, "Email", "m.holloway@example.org", "email")

    doc.write(p, (left, 740), "Section B: Membership type", section)
    options = [("Adult", True), ("Student", False), ("Senior", False), ("Family", False)]
    x = left
    for name, ticked in options:
        draw.rectangle((x, 800, x + 30, 830), outline=INK, width=2)
        if ticked:
            draw.line((x + 5, 815, x + 13, 825), fill=BLUE_INK, width=4)
            draw.line((x + 13, 825, x + 28, 798), fill=BLUE_INK, width=4)
        doc.write(p, (x + 44, 803), name, label)
        x += 240
    doc.field("membership_type", "Adult", p, tuple(doc.lines[-len(options)]["box"]))
    text = (
        "I confirm that the information given is correct and I agree to the library's rules.",
        "Members are responsible for all items borrowed on their card.",
    )
    for i, t in enumerate(text):
        doc.write(p, (left, 900 + 32 * i), t, label)
    doc.write(p, (right, 1660), "Page 1 of 2", label, anchor="ra")

    p = doc.new_page(size)
    draw = doc.pages[p].draw
    doc.write(p, (left, 90), "Section C: Household members", section)
    doc.write(p, (left, 132), "List other people at the same address who hold a library card.", label)
    columns = [left, 560, 860, right]
    headers = ["Name", "Relationship", "Date of birth"]
    rows = [
        ("Thomas Holloway", "Spouse", "19/02/1985"),
        ("Ellie Holloway", "Daughter", "30/08/2014"),
        ("", "", ""),
    ]
    top, row_h = 190, 60
    for r in range(len(rows) + 2):
        draw.line((left, top + r * row_h, right, top + r * row_h), fill=INK, width=2)
    for x in columns:
        draw.line((x, top, x, top + (len(rows) + 1) * row_h), fill=INK, width=2)
    for c, header in enumerate(headers):
        doc.write(p, (columns[c] + 14, top + 18), header, font("DejaVuSans-Bold", 21))
    for r, row in enumerate(rows):
        for c, (key, value) in enumerate(zip(("name", "relationship", "date_of_birth"), row, strict=True)):
            if value:
                box = doc.write(p, (columns[c] + 14, top + (r + 1) * row_h + 14), value, answer, BLUE_INK)
                doc.field(f"household[{r}].{key}", value, p, box)

    y = 520
    doc.write(p, (left, y), "Section D: Declaration", section)
    doc.write(p, (left, y + 50), "Signature", label)
    draw.line((left + 200, y + 150, left + 700, y + 150), fill=INK, width=2)
    signature = _signature(left + 220, y + 80)
    draw.line(signature, fill=BLUE_INK, width=4, joint="curve")
    xs, ys = [pt[0] for pt in signature], [pt[1] for pt in signature]
    doc.field("signature", True, p, _int_box((min(xs) - 2, min(ys) - 2, max(xs) + 2, max(ys) + 2)))
    doc.write(p, (left + 780, y + 110), "Date", label)
    date_box = doc.write(p, (left + 860, y + 104), "02/05/2024", answer, BLUE_INK)
    doc.field("signature_date", "02/05/2024", p, date_box)

    y = 800
    doc.write(p, (left, y), "For office use only", section)
    draw.rectangle((left, y + 44, right, y + 220), outline=(120, 120, 120), width=2)
    doc.write(p, (left + 20, y + 64), "Card number issued:", label)
    doc.write(p, (left + 20, y + 104), "Checked by:", label)
    doc.write(p, (right, 1660), "Page 2 of 2", label, anchor="ra")
    return doc, [pg.image for pg in doc.pages]


def _signature(x: int, y: int) -> list[tuple[float, float]]:
    """A smooth scribble that reads as a handwritten signature."""
    t = np.linspace(0.0, 1.0, 220)
    xs = x + 420 * t + 18 * np.sin(t * 38)
    ys = y + 36 + 26 * np.sin(t * 19) * np.exp(-1.5 * t) - 14 * np.cos(t * 38)
    return [(float(a), float(b)) for a, b in zip(xs, ys, strict=True)]


# business card ---------------------------------------------------------------------------------
def business_card() -> tuple[Doc, Image.Image]:
    """A 3.5 x 2 inch card at 300 dpi."""
    doc = Doc("business_card", "business_card")
    width, height = 1050, 600
    p = doc.new_page((width, height), (252, 251, 248))
    draw = doc.pages[p].draw
    accent = (196, 72, 36)
    draw.rectangle((0, 0, 26, height), fill=accent)
    draw.ellipse((80, 70, 190, 180), fill=accent)
    draw.polygon([(112, 150), (135, 95), (158, 150)], fill=(252, 251, 248))
    company = doc.write(p, (220, 98), "Brightline Studio", font("DejaVuSans-Bold", 40), accent)
    doc.field("company", "Brightline Studio", p, company)
    name = doc.write(p, (80, 250), "Daniel Okafor", font("DejaVuSans-Bold", 48))
    doc.field("name", "Daniel Okafor", p, name)
    title = doc.write(p, (80, 318), "Senior Product Designer", font("DejaVuSans", 30), (90, 90, 90))
    doc.field("title", "Senior Product Designer", p, title)
    draw.line((80, 380, 970, 380), fill=(200, 200, 200), width=2)
    contact = font("DejaVuSans", 26)
    y = 410
    for key, prefix, value in (
        ("phone", "Tel  ", "+44 20 7946 0321"),
        ("email", "Email  ", "daniel@brightline.example"),
        ("website", "Web  ", "www.brightline.example"),
    ):
        doc.field(key, value, p, doc.write_pair(p, (80, y), prefix, value, contact))
        y += 48
    return doc, doc.pages[p].image


# identity card ---------------------------------------------------------------------------------
def id_card(rng: np.random.Generator) -> tuple[Doc, Image.Image]:
    """An ID-1 (credit-card size) specimen identity card at 300 dpi, with a photo placeholder and MRZ."""
    doc = Doc("id_card", "id_document")
    width, height = 1012, 638
    p = doc.new_page((width, height), (226, 238, 232))
    image = doc.pages[p].image
    draw = doc.pages[p].draw
    for k in range(0, height, 18):  # faint guilloche background
        phase = rng.uniform(0, 2 * math.pi)
        pts = [(x, k + 6 * math.sin(x / 40 + phase)) for x in range(0, width + 10, 10)]
        draw.line(pts, fill=(208, 226, 218), width=1)
    band = (24, 92, 74)
    draw.rectangle((0, 0, width, 92), fill=band)
    white = (255, 255, 255)
    doc.write(p, (30, 16), "REPUBLIC OF UTOPIA", font("DejaVuSans-Bold", 30), white)
    doc.write(p, (30, 56), "IDENTITY CARD", font("DejaVuSans", 22), white)
    stamp = font("DejaVuSans-Bold", 36)
    doc.write(p, (width - 30, 26), "SPECIMEN", stamp, (255, 90, 90), anchor="ra")

    photo = (36, 122, 266, 420)
    draw.rectangle(photo, fill=(178, 178, 178), outline=(120, 120, 120), width=2)
    draw.ellipse((101, 170, 201, 280), fill=(140, 140, 140))
    draw.pieslice((66, 290, 236, 470), 180, 360, fill=(140, 140, 140))
    draw.rectangle((38, 380, 264, 418), fill=(178, 178, 178))

    caption, value = font("DejaVuSans", 17), font("DejaVuSans-Bold", 25)
    x = 300
    rows = [
        ("name", "Name / Nom", "ALEX JORDAN SAMPLE"),
        ("document_number", "Document No.", "X00A12345"),
        ("nationality", "Nationality", "UTO"),
        ("date_of_birth", "Date of birth", "14.07.1990"),
        ("date_of_expiry", "Date of expiry", "01.06.2031"),
    ]
    y = 116
    for key, cap, text in rows:
        doc.write(p, (x, y), cap, caption, (70, 90, 84))
        doc.field(key, text, p, doc.write(p, (x, y + 22), text, value))
        y += 62
    doc.write(p, (700, 240), "Sex", caption, (70, 90, 84))
    doc.write(p, (700, 262), "X", value)

    _specimen_stamp(image, (150, 300), "SPECIMEN")
    draw.rectangle((0, 440, width, height), fill=(244, 246, 244))
    mrz = font("DejaVuSansMono", 30)
    y = 462
    for line in _mrz("X00A12345", "900714", "310601", "SAMPLE", "ALEX JORDAN"):
        doc.write(p, (40, y), line, mrz)
        y += 52
    return doc, image


def _specimen_stamp(image: Image.Image, centre: tuple[int, int], text: str) -> None:
    """A red SPECIMEN stamp, tilted, pasted over the photo placeholder."""
    fnt = font("DejaVuSans-Bold", 44)
    layer = Image.new("RGBA", (340, 70), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((170, 35), text, font=fnt, fill=(210, 30, 30, 230), anchor="mm")
    layer = layer.rotate(28, expand=True, resample=Image.Resampling.BICUBIC)
    image.paste(layer, (centre[0] - layer.width // 2, centre[1] - layer.height // 2), layer)


def _mrz(number: str, birth: str, expiry: str, surname: str, given: str) -> list[str]:
    """A TD1 machine-readable zone (three lines of 30) with ICAO 9303 check digits."""

    def check(s: str) -> str:
        values = {c: i for i, c in enumerate("0123456789")} | {
            c: i + 10 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        }
        total = sum(values.get(c, 0) * (7, 3, 1)[i % 3] for i, c in enumerate(s))
        return str(total % 10)

    line1 = f"IDUTO{number}{check(number)}".ljust(30, "<")
    line2 = f"{birth}{check(birth)}X{expiry}{check(expiry)}UTO".ljust(29, "<")
    line2 += check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = f"{surname}<<{given.replace(' ', '<')}".ljust(30, "<")[:30]
    return [line1, line2, line3]


# writing ---------------------------------------------------------------------------------------
def _save_png(image: Image.Image, path: Path, colours: int) -> None:
    """PNG with an adaptive palette of a few colours: small files, text edges kept."""
    image.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


def _write_truth(doc: Doc, out: Path, file: str) -> None:
    text = json.dumps(doc.truth(file), indent=1, ensure_ascii=False)
    (out / f"{doc.name}.truth.json").write_text(text + "\n", encoding="utf-8")


def make_samples(out: Path) -> list[Path]:
    """Write every sample and its truth into `out`; returns the document files written."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    written: list[Path] = []

    doc, image = receipt(rng)
    image.save(out / "receipt.jpg", quality=85, optimize=True)
    _write_truth(doc, out, "receipt.jpg")
    written.append(out / "receipt.jpg")

    doc, image = invoice()
    _save_png(image, out / "invoice.png", 24)
    _write_truth(doc, out, "invoice.png")
    written.append(out / "invoice.png")

    doc, pages = form()
    fixed = time.strptime("2024-05-02", "%Y-%m-%d")
    pages[0].save(
        out / "form.pdf",
        save_all=True,
        append_images=pages[1:],
        resolution=float(PDF_DPI),
        title="City library membership application",
        creationDate=fixed,
        modDate=fixed,
    )
    _write_truth(doc, out, "form.pdf")
    written.append(out / "form.pdf")

    doc, image = business_card()
    _save_png(image, out / "business_card.png", 24)
    _write_truth(doc, out, "business_card.png")
    written.append(out / "business_card.png")

    doc, image = id_card(rng)
    _save_png(image, out / "id_card.png", 32)
    _write_truth(doc, out, "id_card.png")
    written.append(out / "id_card.png")
    return written


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else Path(__file__).resolve().parent
    for path in make_samples(out):
        print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
