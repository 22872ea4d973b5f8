"""Invoices: header, parties, line items and totals, with a validator that the amounts add up."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocula.schemas.kinds import EXCLUDE_KEY, LABELS_KEY, TOP_KEY, DateText, MultilineText
from ocula.schemas.packs import vocab

TOLERANCE = Decimal("0.02")


class InvoiceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(max_length=160, description="What was sold, as printed on the line")
    quantity: Decimal | None = Field(default=None, ge=0, le=1000000, description="Quantity")
    unit_price: Decimal | None = Field(default=None, ge=-100000000, le=100000000, description="Price of one unit")
    amount: Decimal | None = Field(default=None, ge=-100000000, le=100000000, description="Line total")


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120, description="Company or person name")
    address: MultilineText | None = Field(default=None, max_length=300, description="Postal address, every line")
    tax_id: str | None = Field(default=None, max_length=40, description="VAT, GST or tax registration number")


class Invoice(BaseModel):
    """An invoice. `model_validator` checks that line amounts add up to the subtotal (or total) and that
    subtotal + tax = total, within 0.02; a mismatch makes Ocula re-ask with the error."""

    model_config = ConfigDict(extra="forbid", title="Invoice")

    invoice_number: str = Field(
        max_length=40,
        description="The invoice number",
        json_schema_extra={LABELS_KEY: [vocab("invoice_number")]},
    )
    date: DateText | None = Field(default=None, max_length=40, description="Date the invoice was issued")
    due_date: DateText | None = Field(default=None, max_length=40, description="Date payment is due")
    seller: Party = Field(description="Who issued the invoice", json_schema_extra={TOP_KEY: 15})
    buyer: Party | None = Field(default=None, description="Who is billed")
    items: list[InvoiceItem] = Field(default_factory=list, max_length=30, description="Line items")
    subtotal: Decimal | None = Field(
        default=None,
        ge=-100000000,
        le=100000000,
        description="Total before tax",
        json_schema_extra={LABELS_KEY: [vocab("subtotal")]},
    )
    tax: Decimal | None = Field(
        default=None,
        ge=-100000000,
        le=100000000,
        description="Tax amount",
        json_schema_extra={LABELS_KEY: [vocab("tax")]},
    )
    total: Decimal | None = Field(
        default=None,
        ge=-100000000,
        le=100000000,
        description="Amount due, tax included",
        json_schema_extra={LABELS_KEY: [vocab("amount_due")], EXCLUDE_KEY: [vocab("not_amount_due")]},
    )
    currency: str | None = Field(default=None, max_length=8, description="Currency code or symbol")

    @model_validator(mode="after")
    def amounts_add_up(self) -> Invoice:
        amounts = [i.amount for i in self.items if i.amount is not None]
        added = sum(amounts, Decimal(0))
        target = self.subtotal if self.subtotal is not None else self.total
        complete = bool(amounts) and len(amounts) == len(self.items)
        if complete and target is not None and abs(added - target) > TOLERANCE:
            raise ValueError(f"line amounts add up to {added}, not {target}")
        parts = (self.subtotal, self.tax, self.total)
        if None not in parts and abs(self.subtotal + self.tax - self.total) > TOLERANCE:  # type: ignore[operator]
            raise ValueError(f"subtotal {self.subtotal} + tax {self.tax} is not the total {self.total}")
        return self
