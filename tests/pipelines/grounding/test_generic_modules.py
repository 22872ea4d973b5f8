"""The grounding modules hold mechanisms only: locale words live in the rule packs (ocula/schemas/packs/data)."""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
GENERIC = [*sorted((REPO / "pipelines" / "grounding").glob("*.py")), REPO / "schemas" / "kinds.py"]
# Malaysian words (addresses, legal forms, currency, labels) and English month names.
LOCALE_WORDS = re.compile(r"\b(?:jalan|taman|sdn|bhd|jumlah|myr|ringgit|malaysia|johor|january|december)\b", re.I)
CURRENCY_CODE = re.compile(r"\bRM\b")


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: p.name)
def test_a_generic_module_names_no_locale_words(path):
    text = path.read_text(encoding="utf-8")
    assert LOCALE_WORDS.findall(text) == []
    assert CURRENCY_CODE.findall(text) == []


def test_the_ready_receipt_schema_names_vocabularies_not_words():
    text = (REPO / "schemas" / "ready" / "receipt.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(?:jumlah|gst|sst|rounded|subtotal|tendered)\b", text, re.I)
    assert "vocab(" in text


def test_the_malaysian_rules_are_in_the_malaysia_pack():
    text = (REPO / "schemas" / "packs" / "data" / "my.toml").read_text(encoding="utf-8")
    assert all(word in text for word in ("sdn bhd", "RM", "jumlah", r"\d{5}"))


# The extraction modules too; string literals (the code, not its comments) name no Malaysian word or currency,
# nor English receipt labels that belong to the `en` pack (vocabulary names such as "subtotal" are not words).
CODE = [*GENERIC, *sorted((REPO / "pipelines" / "extract").glob("*.py"))]
CODE_WORDS = re.compile(
    r"\b(?:jalan|taman|lorong|sdn|bhd|jumlah|tunai|gst|sst|myr|ringgit|malaysia|johor|selangor|rm|"
    r"grand total|sub total|cash|change|tendered)\b",
    re.I,
)


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", CODE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_locale_word_in_the_code_of_a_generic_module(path: Path) -> None:
    found = [text for text in _literals(path) if CODE_WORDS.search(text)]
    assert found == []
