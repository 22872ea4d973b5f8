"""Ready-made schemas for common documents; their field descriptions go into the prompt."""

from pydantic import BaseModel

from ocula.schemas.ready.documents import BusinessCard, IDDocument, Table, TableRow
from ocula.schemas.ready.invoice import Invoice, InvoiceItem, Party
from ocula.schemas.ready.receipt import Receipt, ReceiptItem, SroieReceipt

READY: dict[str, type[BaseModel]] = {
    "receipt": Receipt,
    "sroie": SroieReceipt,
    "invoice": Invoice,
    "id_document": IDDocument,
    "business_card": BusinessCard,
    "table": Table,
}

__all__ = [
    "READY",
    "BusinessCard",
    "IDDocument",
    "Invoice",
    "InvoiceItem",
    "Party",
    "Receipt",
    "ReceiptItem",
    "SroieReceipt",
    "Table",
    "TableRow",
]
