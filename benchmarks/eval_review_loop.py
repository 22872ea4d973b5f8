"""The review loop measured: extract, correct half the receipts through the review page's API, fine-tune, compare.

    python -m benchmarks.eval_review_loop --data ../shared/data/sroie --work /tmp/ocula-review-loop --threads 1 \
        --out /tmp/ocula-review-loop/report.json

1. Every receipt is extracted with the default pipeline (`--schema sroie`, the bundled model, zero-shot) into
   `WORK/results.jsonl`, as `ocula extract` writes it.
2. The receipts at even positions (sorted by file name: 0, 2, ..., 38) are reviewed through the review app's own
   HTTP API, the requests the page's JavaScript makes (Starlette's TestClient on `ocula.review.create_app`), with
   the dataset's key as the reviewer's answers: a field already right is accepted; else the reviewer picks the OCR
   line, or the word, or a run of consecutive lines (Shift+click appends) that spells the key value; else types
   it; a field the key leaves empty is marked absent; then the receipt is marked done. Corrections go to
   `WORK/results.corrections.jsonl`.
3. The reviewed receipts are exported (`ocula review --export --done-only --only ...`) and `ocula finetune` trains an adapter
   on the export with the settings of the fine-tuning benchmark (rank 8, alpha 16, top 10 layers, 3 epochs,
   learning rate 1e-3, 2 receipts per step).
4. The other 20 receipts are extracted with the adapter (`ocula extract --adapter`) and scored against their key,
   beside the zero-shot records of step 1, per field and mean (`receipt_scoring`).
5. The held-out receipts are then reviewed the same way (nothing of them reaches the adapter, trained before) and
   `ocula review RESULTS --only ... --compare RESULTS --compare ADAPTED` prints its own table against those
   reviewed values (exact text up to white space, numbers as numbers: stricter than the SROIE scoring).

Every step resumes: a step whose output is complete is not run again. Everything is written under `--work`,
outside the repository (the data is research-only).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from benchmarks.receipt_scoring import FIELDS, NORMALISERS, field_correct, norm_total
except ImportError:  # run as a script
    from receipt_scoring import FIELDS, NORMALISERS, field_correct, norm_total  # type: ignore[no-redef]

SCHEMA = "sroie"
MAX_RUN = 6  # lines a picked run may join (an address over several lines)


# 1 and 4: extraction ------------------------------------------------------------------------------
def extract(images: list[Path], out: Path, threads: int, ocr: str, adapter: Path | None = None) -> None:
    """`ocula extract --schema sroie` of `images` into `out` (resumed when `out` holds some already)."""
    from ocula.pipelines.batch.extract import PipelineExtract
    from ocula.pipelines.batch.runner import run_batch
    from ocula.schema_loader import resolve_schema

    extractor = PipelineExtract(ocr=ocr, threads=threads, adapter=str(adapter) if adapter else None)
    done = [0]

    def progress(record: dict[str, Any]) -> None:
        done[0] += 1
        print(f"  extract {done[0]}: {Path(record['source']).name} {record['status']}", file=sys.stderr, flush=True)

    run_batch(
        [str(p) for p in images],
        resolve_schema(SCHEMA),
        out,
        extract_fn=extractor,
        progress=False,
        on_record=progress,
        schema_name=SCHEMA,
    )


def records(path: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            out[Path(record["source"]).stem] = record
    return out


# 2: the reviewer ----------------------------------------------------------------------------------
def norm(field: str, text: Any) -> str:
    return NORMALISERS[field](text)


def candidate_picks(field: str, truth: Any, lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The clicks that would spell the key value, most direct first: one line, one word, then a run of
    consecutive lines (the first clicked, the rest Shift+clicked)."""
    want = norm(field, truth)
    if not want:
        return []
    picks: list[list[dict[str, Any]]] = []
    picks += [[{"line": i}] for i, line in enumerate(lines) if norm(field, line["text"]) == want]
    picks += [
        [{"line": i, "word": j}]
        for i, line in enumerate(lines)
        for j, word in enumerate(line.get("words") or [])
        if norm(field, word["text"]) == want
    ]
    if field in ("company", "address"):
        for start in range(len(lines)):
            for end in range(start + 2, min(start + MAX_RUN, len(lines)) + 1):
                if norm(field, " ".join(line["text"] for line in lines[start:end])) == want:
                    picks.append([{"line": i} for i in range(start, end)])
    return picks


class Reviewer:
    """Drives the review app as the page does: GETs with `?token=`, POSTs with the token header and JSON."""

    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token
        self.actions: Counter[str] = Counter()

    def get(self, url: str) -> Any:
        response = self.client.get(url, params={"token": self.token}, headers={"X-Ocula-Token": self.token})
        response.raise_for_status()
        return response.json()

    def post(self, url: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = self.client.post(url, json=body, headers={"X-Ocula-Token": self.token})
        return response.status_code, response.json()

    def review(self, doc_id: int, truth: dict[str, Any]) -> None:
        url = f"/api/docs/{doc_id}"
        view = self.get(url)
        if view["done"]:
            return
        texts = {p["index"]: self.get(f"{url}/pages/{p['index']}/text") for p in view["pages"]}
        fields = {f["path"]: f for f in view["fields"]}
        for field in FIELDS:
            if field in fields:
                self.answer(url, fields[field], truth.get(field), texts)
        status, body = self.post(f"{url}/done", {})
        if status != 200:
            raise RuntimeError(f"done {doc_id}: {body}")

    def answer(self, url: str, field: dict[str, Any], truth: Any, texts: dict[int, list[dict[str, Any]]]) -> None:
        path, name = field["path"], field["path"]
        if not norm(name, truth):
            self.change(url, {"action": "absent", "path": path}, "absent")
            return
        if field_correct(name, field["value"], truth):
            self.change(url, {"action": "accept", "path": path}, "accept")
            return
        for page, lines in texts.items():
            for clicks in candidate_picks(name, truth, lines):
                if self.pick(url, path, page, clicks, name, truth):
                    self.actions["pick" if len(clicks) == 1 else "pick lines"] += 1
                    return
        value = norm_total(truth) if name == "total" else truth
        self.change(url, {"action": "edit", "path": path, "value": value}, "edit")

    def pick(self, url: str, path: str, page: int, clicks: list[dict[str, Any]], name: str, truth: Any) -> bool:
        """The clicks as picks; kept when the field then holds the key value, else undone (True: kept)."""
        made = 0
        for n, click in enumerate(clicks):
            pick = {"page": page, "line": click["line"], "word": click.get("word"), "append": n > 0}
            status, body = self.post(f"{url}/fields", {"action": "pick", "path": path, "pick": pick})
            if status != 200:
                break  # the schema refused the text: a reviewer would try another click
            made += 1
            value = next(f["value"] for f in body["document"]["fields"] if f["path"] == path)
        if made == len(clicks) and field_correct(name, value, truth):
            return True
        for _ in range(made):
            self.post(f"{url}/undo", {})
        return False

    def change(self, url: str, body: dict[str, Any], action: str) -> None:
        status, answer = self.post(f"{url}/fields", body)
        if status != 200:  # the schema refuses the key's value: the field stays unchecked
            print(f"  {action} {body['path']} of {url} refused: {answer.get('error')}", file=sys.stderr, flush=True)
            action = f"{action} refused"
        self.actions[action] += 1


def review(
    results: Path, corrections: Path, train: set[str], truths: dict[str, dict[str, Any]], ocr: str
) -> Counter[str]:
    from starlette.testclient import TestClient

    from ocula.review import ReviewSession
    from ocula.review.app import create_app

    session = ReviewSession(results, SCHEMA, corrections=corrections, reviewer="sroie-key", ocr_engine=ocr)
    token = secrets.token_urlsafe(16)
    with TestClient(create_app(session, token), base_url="http://127.0.0.1:8765") as client:
        reviewer = Reviewer(client, token)
        for entry in reviewer.get("/api/queue"):  # the page's queue: lowest confidence first
            stem = Path(entry["source"]).stem
            if stem in train:
                reviewer.review(entry["id"], truths[stem])
                print(f"  reviewed {stem}: {dict(reviewer.actions)}", file=sys.stderr, flush=True)
    return reviewer.actions


def export(results: Path, corrections: Path, out: Path, sources: list[str]) -> int:
    """`ocula review RESULTS --export OUT --done-only --only SOURCE...`: the reviewed training receipts."""
    from ocula.review import ReviewSession
    from ocula.review import export as write_export

    session = ReviewSession(results, SCHEMA, corrections=corrections)
    return write_export(session, out, done_only=True, only=sources).written


def compare(results: Path, others: list[Path], sources: list[str]) -> str:
    """`ocula review RESULTS --compare OTHER... --only SOURCE...`: its table, as the command prints it."""
    command = [sys.executable, "-c", "from ocula.cli import main; main()", "review", str(results)]
    command += [f"--compare={o}" for o in others] + [f"--only={s}" for s in sources]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


# 3: fine-tuning -----------------------------------------------------------------------------------
def finetune(examples: Path, adapter: Path, args: argparse.Namespace) -> None:
    if (adapter / "ocula-adapter.json").is_file():
        return
    command = [
        sys.executable, "-c", "from ocula.cli import main; main()", "finetune", "--examples", str(examples), "--out", str(adapter),
        "--rank", "8", "--layers", "10", "--epochs", "3", "--lr", "1e-3", "--grad-accum", "2", "--ocr", args.ocr,
    ]  # fmt: skip
    print("  " + " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True)


# scoring ------------------------------------------------------------------------------------------
def hits(record: dict[str, Any] | None, truth: dict[str, Any]) -> dict[str, bool]:
    value = (record or {}).get("value") or {}
    return {f: field_correct(f, value.get(f), truth[f]) for f in FIELDS}


def accuracy(got: dict[str, dict[str, Any]], truths: dict[str, dict[str, Any]], stems: list[str]) -> dict[str, float]:
    right = [hits(got.get(s), truths[s]) for s in stems]
    acc = {f: sum(r[f] for r in right) / len(stems) for f in FIELDS}
    return {**acc, "mean": statistics.mean(acc.values())}


def timed(label: str, seconds: dict[str, float], fn: Callable[[], Any]) -> Any:
    print(f"{label} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    out = fn()
    seconds[label] = round(time.perf_counter() - start, 1)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    data, work = Path(args.data), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    images = sorted((data / "img").glob("*.jpg"))[: args.limit or None]
    truths = {p.stem: json.loads((data / "key" / f"{p.stem}.json").read_text()) for p in images}
    train = [p.stem for i, p in enumerate(images) if i % 2 == 0]
    test = [p.stem for i, p in enumerate(images) if i % 2 == 1]
    results, corrections = work / "results.jsonl", work / "results.corrections.jsonl"
    exported, adapter, adapted = work / "reviewed.jsonl", work / "adapter", work / "adapted.jsonl"
    seconds: dict[str, float] = {}
    timed("1. extract all", seconds, lambda: extract(images, results, args.threads, args.ocr))
    actions = timed("2. review", seconds, lambda: review(results, corrections, set(train), truths, args.ocr))
    sources = {p.stem: str(p) for p in images}  # the records' sources: these paths as given
    written = timed("   export", seconds, lambda: export(results, corrections, exported, [sources[s] for s in train]))
    timed("3. finetune", seconds, lambda: finetune(exported, adapter, args))
    held = [p for p in images if p.stem in set(test)]
    timed("4. extract with the adapter", seconds, lambda: extract(held, adapted, args.threads, args.ocr, adapter))
    # 5. the held-out receipts reviewed too (after the adapter ran: nothing of them reached training), then
    # compared by the command itself against their reviewed values
    held_actions = timed(
        "5. review the held-out receipts", seconds, lambda: review(results, corrections, set(test), truths, args.ocr)
    )
    table = compare(results, [results, adapted], [sources[s] for s in test])
    zero_shot, tuned = records(results), records(adapted)
    meta = json.loads((adapter / "ocula-adapter.json").read_text())
    report = {
        "receipts": len(images),
        "train": train,
        "test": test,
        "exported": written,
        "review_actions": dict(actions),
        "review_actions_held_out": dict(held_actions),
        "ocr": args.ocr,
        "adapter": {k: meta.get(k) for k in ("settings", "examples", "dropped_fields", "epoch_losses", "gguf")},
        "zero_shot_train": accuracy(zero_shot, truths, train),
        "zero_shot": accuracy(zero_shot, truths, test),
        "fine_tuned": accuracy(tuned, truths, test),
        "seconds": seconds,
        "compare_table": table,
        "rows": {
            s: {"zero_shot": hits(zero_shot.get(s), truths[s]), "fine_tuned": hits(tuned.get(s), truths[s])}
            for s in test
        },
    }
    report["gain"] = {k: report["fine_tuned"][k] - report["zero_shot"][k] for k in (*FIELDS, "mean")}
    return report


def markdown(report: dict[str, Any]) -> str:
    out = ["| held-out receipts | company | date | address | total | mean |", "|---|---|---|---|---|---|"]
    for label, key in (("zero-shot", "zero_shot"), ("with the adapter", "fine_tuned"), ("gain", "gain")):
        a = report[key]
        sign = "+" if key == "gain" else ""
        cells = " | ".join(f"{a[f]:{sign}.2f}" for f in (*FIELDS, "mean"))
        out.append(f"| {label} ({len(report['test'])}) | {cells} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "sroie"))
    parser.add_argument("--work", default="/tmp/ocula-review-loop", help="Outside the repository.")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp and ONNX Runtime threads for extraction.")
    parser.add_argument("--ocr", default="rapidocr")
    parser.add_argument("--limit", type=int, default=0, help="Only the first N receipts (a quick check).")
    parser.add_argument("--out", help="Write the report (JSON) here.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report = run(args)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("review_actions", "zero_shot_train", "zero_shot", "fine_tuned")}))
    print(markdown(report))
    print(report["compare_table"])


if __name__ == "__main__":
    main()
