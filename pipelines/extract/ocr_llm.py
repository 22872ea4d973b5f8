"""The extraction pipeline: document -> OCR lines -> grounded grammar -> decode -> validate/retry -> ground.

`OcrLlmExtractor` is the offline default (engine "ocr+llm"); `VlmExtractor` reads page images with a
vision-language model. Both return `Extraction[T]`; both hold configuration and loaded models, not
per-document state, so one instance serves many documents.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Literal

from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.models.base import Constraint, GenerationRequest, Message, ModelAdapter, Sampling
from ocula.adapters.ocr.base import OCREngine
from ocula.pipelines.decoding.forced import ForcedWriter
from ocula.pipelines.extract.lists import EmptyObject, RowLists
from ocula.pipelines.extract.locale import page_locale
from ocula.pipelines.extract.prompt import extraction_messages, retry_messages
from ocula.pipelines.extract.ungrounded import mark_not_found, ungrounded_paths
from ocula.pipelines.extract.validate import validate_answer
from ocula.pipelines.grounding.evidence import calibrate, ground_fields
from ocula.pipelines.grounding.grammar import GroundedSchema, grounded_schema, refuse_free_text
from ocula.pipelines.grounding.layout_tables import page_tables
from ocula.pipelines.grounding.lines import DocLine, doc_lines
from ocula.pipelines.grounding.rank import Ranking, rank_fields
from ocula.pipelines.ocr.orientation import as_upright, fields_to_page
from ocula.pipelines.ocr.pages import read_page
from ocula.schemas import Attempt, Extraction, FieldResult, ModelInfo, OCRPage, ValidationFailed
from ocula.schemas.constraints import SchemaConstraint, bounded_schema, without_hints
from ocula.schemas.errors import UngroundedField
from ocula.schemas.packs import PackSpec

AttemptHook = Callable[[Attempt], None]


@dataclass
class ExtractOptions:
    max_attempts: int = 3
    grounded: bool = True
    # "ranked": each field's candidates scored whole by the model (when it can score), then one constrained
    # pass; "json": one constrained JSON pass over all fields. See pipelines/grounding/rank.py.
    decoding: Literal["ranked", "json"] = "ranked"
    on_error: Literal["raise", "partial"] = "raise"
    instructions: str | None = None
    max_new_tokens: int | None = None
    temperature: float = 0.0
    hooks: list[AttemptHook] = field(default_factory=list)
    validation_context: dict[str, Any] | None = None
    # Rule packs (names, .toml paths or `Pack`s) for the page's locale: currency markers, month names, legal
    # forms, postcodes, address layout, label vocabularies. None: detected from the page's text
    # (`ocula.schemas.packs.detect`); a schema adds its own.
    packs: list[PackSpec] | None = None


@lru_cache(maxsize=64)
def schema_constraint(schema: type[BaseModel]) -> SchemaConstraint:
    """Bounded JSON schema of a Pydantic model, computed once per model class."""
    return bounded_schema(schema)


def decode_with_retry(
    model: ModelAdapter,
    schema: type[BaseModel],
    messages: list[Message],
    constraint: Constraint,
    max_new_tokens: int,
    options: ExtractOptions,
    check: Callable[[str], tuple[Any, list[str], str]] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Any, list[Attempt], Any]:
    """Decode, validate, re-ask with the errors; returns (instance or None, attempts, last generation).
    `check` validates an answer in place of Pydantic alone: (instance or None, errors, the text validated).
    `timings` (when given) gains the seconds spent decoding (`json`) and validating (`validation`)."""
    attempts: list[Attempt] = []
    gen = None
    spent = timings if timings is not None else {}
    for index in range(max(1, options.max_attempts)):
        start = time.perf_counter()
        sampling = Sampling(max_new_tokens=max_new_tokens, temperature=options.temperature if index == 0 else 0.7)
        gen = model.generate(GenerationRequest(messages, constraint, sampling))
        decoded = time.perf_counter()
        spent["json"] = spent.get("json", 0.0) + decoded - start
        raw = gen.text
        if gen.finish_reason == "length":
            value, errors = None, [f"output cut at {max_new_tokens} tokens"]
        elif check is not None:
            value, errors, raw = check(gen.text)
        else:
            value, errors = validate_answer(schema, gen.text, options.validation_context)
        spent["validation"] = spent.get("validation", 0.0) + time.perf_counter() - decoded
        attempt = Attempt(
            index=index,
            raw=raw,
            errors=errors,
            seconds=time.perf_counter() - start,
            prompt_tokens=gen.prompt_tokens,
            generated_tokens=len(gen.token_ids),
        )
        attempts.append(attempt)
        for hook in options.hooks:
            hook(attempt)
        if value is not None:
            return value, attempts, gen
        messages = retry_messages(messages, gen.text, errors)
    return None, attempts, gen


def finish_extraction(
    schema: type[BaseModel],
    value: Any,
    attempts: list[Attempt],
    gen: Any,
    grounded: GroundedSchema | None,
    lines: list[DocLine],
    options: ExtractOptions,
) -> tuple[Any, dict[str, FieldResult], list[str]]:
    """The decoded value, its per-field results (grounded in `lines` where `grounded` is given) and errors.

    A value still invalid after every attempt raises `ValidationFailed` (`on_error="raise"`), or comes back as
    None with the last attempt's errors, marked on the fields they name (`on_error="partial"`). A required
    field with no candidate on the page is an `UngroundedField` (raised, or its error and mechanism
    `not_found` on its field result); a page with no text at all says so in the errors.
    """
    fields: dict[str, FieldResult] = {}
    errors: list[str] = []
    if gen is not None:
        try:
            fields = ground_fields(gen, grounded, lines)
        except ValueError:
            fields = {}
        calibrate(fields)
    if value is None:
        last = attempts[-1].errors if attempts else ["no attempt"]
        missing = ungrounded_paths(last, grounded, no_text=not lines)
        if options.on_error == "raise" and missing:
            raise UngroundedField(schema.__name__, missing, attempts, no_text=not lines)
        if options.on_error == "raise":
            raise ValidationFailed(
                f"{schema.__name__}: still invalid after {len(attempts)} attempt(s): {'; '.join(last)}", attempts
            )
        errors = list(last)
        for path, result in fields.items():
            bad = [e for e in last if e.split(":", 1)[0] == path]
            if bad:
                result.valid = False
                result.error = "; ".join(bad)
    if grounded is not None:
        errors = mark_not_found(fields, grounded, errors, no_text=not lines)
    return value, fields, errors


def build_extraction(
    schema: type[BaseModel],
    model: ModelAdapter,
    *,
    value: Any,
    fields: dict[str, FieldResult],
    attempts: list[Attempt],
    timings: dict[str, float],
    source: str | None,
    page_sizes: list[tuple[int, int]],
    errors: list[str],
    tokens: dict[str, int] | None = None,
) -> Extraction:
    """The typed `Extraction[schema]` both engines return."""
    return Extraction[schema](  # type: ignore[valid-type]
        value=value,
        fields=fields,
        attempts=attempts,
        timings=timings,
        tokens=tokens or {},
        model=ModelInfo(name=model.name, backend=model.backend, family=model.family),
        source=source,
        pages=len(page_sizes),
        page_sizes=page_sizes,
        schema_name=schema.__name__,
        errors=errors,
    )


def _constraint(spec: dict[str, Any]) -> Constraint:
    return Constraint.json_schema(json.dumps(without_hints(spec), separators=(",", ":")))


def _ranked_confidence(fields: dict[str, FieldResult], ranking: Ranking) -> None:
    """A ranked field was decided by the ranking (the constrained pass only copied it, so its token log-probs
    say nothing): its mechanism and rule are the ranking's, its probability the model's among the field's
    candidates, and its confidence that calibrated (the raw probability where no calibration applies)."""
    ranked_fields = {}
    for name, ranked in ranking.fields.items():
        if name in fields and fields[name].value is not None:
            result = fields[name]
            result.mechanism = ranked.mechanism  # type: ignore[assignment]
            result.rule = ranked.rule if ranked.mechanism != "single_candidate" else None
            result.probability = ranked.probability if ranked.mechanism == "model_choice" else None
            result.confidence = ranked.probability
            ranked_fields[name] = result
    calibrate(ranked_fields)


class OcrLlmExtractor:
    """OCR each page, then let a small language model pick each field's value among the page's text."""

    engine_name = "ocr+llm"

    def __init__(self, model: ModelAdapter, ocr: OCREngine, options: ExtractOptions | None = None) -> None:
        self.model = model
        self.ocr = ocr
        self.options = options or ExtractOptions()

    def read_pages(self, document: Document) -> tuple[list[OCRPage], list[tuple[int, int]]]:
        """Each page through the OCR engine, its `seconds` recorded (loading the page image included)."""
        pages, sizes = [], []
        start = time.perf_counter()
        for page in document.pages():
            result = read_page(self.ocr, page)  # a blank page is not read; boxes in original pixels
            now = time.perf_counter()
            pages.append(result.model_copy(update={"seconds": now - start}))
            sizes.append(page.size)
            start = now
        return pages, sizes

    def run(self, document: Document, schema: type[BaseModel]) -> Extraction:
        pages, sizes = self.read_pages(document)
        result = self.run_on_pages(pages, schema, source=document.source)
        result.page_sizes = sizes
        return result

    def run_on_pages(self, pages: Sequence[OCRPage], schema: type[BaseModel], source: str | None = None) -> Extraction:
        """Extract from pages already OCR'd (lets callers overlap OCR and decoding, or reuse OCR).

        `timings` split the time: `ocr` (the pages' own seconds), `candidates` (lines, grounded schema, prompt),
        `scoring` (ranking each field's candidates), `lists` (lists of objects), `json` (the constrained pass,
        retries included), `validation` (checking answers, grounding values to boxes), `total`. `tokens` count
        the model's work: prompt tokens `prefilled` (and `reused` from its cache), candidate tokens `scored`,
        tokens `decoded` (forced ones included) in so many forward `passes`."""
        opts = self.options
        usage = self.model.usage.snapshot()
        timings: dict[str, float] = {"ocr": sum(p.seconds or 0.0 for p in pages)}
        t0 = time.perf_counter()
        bounded = schema_constraint(schema)
        if opts.grounded:
            refuse_free_text(bounded.schema)
        upright = [as_upright(p) for p in pages]  # a page read turned is reasoned about upright
        read = [p for p, _ in upright]
        lines = doc_lines(read)
        locale = page_locale(lines, opts.packs, bounded.schema)  # given, or detected from the page's text
        grounded = grounded_schema(bounded.schema, lines, locale.packs) if opts.grounded else None
        spec = grounded.schema if grounded else bounded.schema
        messages = extraction_messages(schema, lines, instructions=opts.instructions)
        clock = time.perf_counter()
        timings["candidates"] = clock - t0
        ranking = None
        if grounded is not None and lines and opts.decoding == "ranked" and self.model.can_score:
            # the model ranks a field's candidates seeing the lines around them, not the whole page
            def page(around: Collection[int]) -> list[Message]:
                return extraction_messages(schema, lines, instructions=opts.instructions, around=around)

            ranking = rank_fields(self.model, page, bounded.schema, grounded, lines)
        timings["scoring"] = time.perf_counter() - clock
        clock = time.perf_counter()
        # lists of objects are a choice of the page's table rows; the JSON pass writes the other fields
        lists = (
            RowLists.plan(self.model, messages, bounded.schema, lines, grounded.rules, page_tables(read))
            if grounded is not None
            else None
        )
        timings["lists"] = time.perf_counter() - clock
        timings["json"] = timings["validation"] = 0.0
        check = partial(lists.validate, schema, context=opts.validation_context) if lists else None
        unlisted = lists.without if lists else (lambda spec: spec)
        # a page with no text leaves nothing to choose: the model writes nothing, and nothing is made up
        blank = grounded is not None and not lines
        # values all decided (or every field a list) leave one answer: written without the model (`ForcedWriter`)
        writer = EmptyObject() if blank else ForcedWriter(self.model)
        max_tokens = opts.max_new_tokens or bounded.max_tokens
        attempts: list[Attempt] = []
        value = gen = None
        if ranking is not None:
            first = ExtractOptions(**{**vars(opts), "max_attempts": 1})
            value, attempts, gen = decode_with_retry(
                writer,
                schema,
                messages,
                _constraint(unlisted(ranking.narrowed(grounded))),
                max_tokens,
                first,  # type: ignore[arg-type]
                check,
                timings,
            )
        # a required field with no candidate on the page can only be null: no retry would make the answer valid
        doomed = grounded is not None and (
            not lines or bool(set(grounded.ungrounded) & set(bounded.schema.get("required", [])))
        )
        if value is None and not (doomed and attempts):  # the JSON pass, or the ranked values did not validate
            tries = 1 if doomed else max(1, opts.max_attempts - len(attempts))
            retry = ExtractOptions(**{**vars(opts), "max_attempts": tries})
            constraint = _constraint(unlisted(spec))
            value, more, gen = decode_with_retry(
                writer, schema, messages, constraint, max_tokens, retry, check, timings
            )
            attempts += [a.model_copy(update={"index": a.index + len(attempts)}) for a in more]
            ranking = None
        clock = time.perf_counter()
        value, fields, errors = finish_extraction(schema, value, attempts, gen, grounded, lines, opts)
        if ranking is not None:
            _ranked_confidence(fields, ranking)
        if lists is not None:
            fields.update(lists.field_results())
            errors += lists.flags() if value is not None else []
        timings["validation"] += time.perf_counter() - clock
        timings["total"] = time.perf_counter() - t0 + timings["ocr"]
        extraction = build_extraction(
            schema,
            self.model,
            value=value,
            fields=fields_to_page(
                fields, {p.page: t for p, (_, t) in zip(pages, upright, strict=True) if p.orientation}
            ),
            attempts=attempts,
            timings=timings,
            tokens=self.model.usage.since(usage).counts(),
            source=source,
            page_sizes=[(p.width, p.height) for p in pages],
            errors=errors,
        )
        return locale.mark(extraction)
