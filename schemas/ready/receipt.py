"""Shop receipts: the SROIE fields (company, date, address, total) plus line items. Label words are named
vocabularies of the rule packs ("@total"), so a receipt in another language takes that language's pack."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ocula.schemas.kinds import (
    AFTER_KEY,
    EXCLUDE_KEY,
    LABELS_KEY,
    PICK_KEY,
    ROUNDED_KEY,
    TOP_KEY,
    DateText,
    MultilineText,
    NameText,
)
from ocula.schemas.packs import PACKS_KEY, vocab

# The label words are the active rule packs' vocabularies (`ocula/schemas/packs/data/*.toml`), named here.


class ReceiptItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(max_length=120, description="Item name as printed")
    quantity: Decimal | None = Field(default=None, ge=0, le=100000, description="Quantity bought")
    unit_price: Decimal | None = Field(default=None, ge=-1000000, le=1000000, description="Price of one unit")
    amount: Decimal | None = Field(default=None, ge=-1000000, le=1000000, description="Line total")


class Receipt(BaseModel):
    """A shop receipt. `date` keeps the printed text; `FieldResult.parsed` has its ISO reading(s)."""

    model_config = ConfigDict(extra="forbid", title="Receipt")

    company: NameText = Field(
        max_length=120,
        description="Name of the shop or company that issued the receipt",
        json_schema_extra={TOP_KEY: 8},
    )
    date: DateText | None = Field(
        default=None,
        max_length=40,
        description="Date of the purchase",
        json_schema_extra={EXCLUDE_KEY: [vocab("not_purchase_date")]},
    )
    address: MultilineText | None = Field(
        default=None,
        max_length=300,
        description="Full postal address of the shop, every line of it",
        json_schema_extra={
            TOP_KEY: 14,
            AFTER_KEY: "company",
            EXCLUDE_KEY: [vocab("address_end")],
        },
    )
    total: Decimal | None = Field(
        default=None,
        ge=0,
        le=10000000,
        description="Final total amount paid, including tax and rounding",
        json_schema_extra={
            LABELS_KEY: [vocab("total")],
            EXCLUDE_KEY: [vocab("not_total")],
            PICK_KEY: "max",
            ROUNDED_KEY: [vocab("rounding")],
        },
    )
    items: list[ReceiptItem] = Field(default_factory=list, max_length=20, description="Items bought")


class SroieReceipt(BaseModel):
    """The four SROIE key fields only (what the SROIE benchmark scores). SROIE's receipts are Malaysian: the
    schema selects the `my` rule pack whatever packs the caller names."""

    model_config = ConfigDict(extra="forbid", title="Receipt", json_schema_extra={PACKS_KEY: ["my"]})

    company: str = Receipt.model_fields["company"]  # type: ignore[assignment]
    date: DateText | None = Receipt.model_fields["date"]  # type: ignore[assignment]
    address: MultilineText | None = Receipt.model_fields["address"]  # type: ignore[assignment]
    total: Decimal | None = Receipt.model_fields["total"]  # type: ignore[assignment]
