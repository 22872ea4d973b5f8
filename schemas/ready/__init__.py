"""Ready-made schemas for common documents; their field descriptions go into the prompt."""

from pydantic import BaseModel

from .receipt import Receipt, ReceiptItem, SroieReceipt

READY: dict[str, type[BaseModel]] = {
    "receipt": Receipt,
    "sroie": SroieReceipt,
}

__all__ = ["READY", "Receipt", "ReceiptItem", "SroieReceipt"]
