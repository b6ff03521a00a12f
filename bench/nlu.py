"""`make bench-nlu`: intent accuracy and macro-F1 per language, city F1, language detection, speed, memory.

Trains our pipeline (config.yml) and stock Rasa's (bench/stock_config.yml) on data/nlu in the same run and
evaluates both on the held-out tests/nlu/<lang>.yml; ratios compare ours with stock.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from bench.language import REPORT_HEADERS, held_out, language_report
from bench.report import percentile, table
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.understanding.language import LanguageDetector
from bot.understanding.places import PlaceRecognizer

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"


def run_engine(config: str) -> dict[str, Any]:
    print(f"==> training and evaluating {config} (stock DIET takes a few minutes)", flush=True)
    # An empty Rasa cache per run: otherwise a second run reuses cached component outputs and "training" takes
    # seconds, which is not what a fresh training costs.
    with tempfile.NamedTemporaryFile(suffix=".json") as out, tempfile.TemporaryDirectory() as rasa_cache:
        quiet = {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3", "LOG_LEVEL": "ERROR"}
        subprocess.run(
            [str(ENGINE_PYTHON), "-m", "bench.nlu_engine", "--config", config, "--out", out.name],
            cwd=PROJECT_ROOT,
            check=True,
            env={**os.environ, **quiet, "RASA_CACHE_DIRECTORY": rasa_cache},
        )
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {expected for expected, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def intent_rows(result: dict[str, Any]) -> dict[str, tuple[float, float]]:
    by_language: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in result["predictions"]:
        by_language[p["language"]].append((p["expected"], p["predicted"]))
        by_language["all"].append((p["expected"], p["predicted"]))
    return {lang: (sum(e == p for e, p in pairs) / len(pairs), macro_f1(pairs)) for lang, pairs in by_language.items()}


def city_f1(places: PlaceRecognizer, path: Path) -> dict[str, float]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        predicted, gold = places.city(item["text"]), item.get("city")
        for key in (item["lang"], "all"):
            tp_fp_fn = counts[key]
            tp_fp_fn[0] += int(predicted is not None and predicted == gold)
            tp_fp_fn[1] += int(predicted is not None and predicted != gold)
            tp_fp_fn[2] += int(gold is not None and predicted != gold)
    return {lang: 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0 for lang, (tp, fp, fn) in counts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stock", default="bench/stock_config.yml", help="baseline config, or '' to skip it")
    args = parser.parse_args()
    settings = Settings()
    configs = {"ours": "config.yml", "stock": args.stock} if args.stock else {"ours": "config.yml"}
    results = {name: run_engine(config) for name, config in configs.items()}
    results.setdefault("stock", results["ours"])  # without a baseline every ratio is 1
    places = PlaceRecognizer(settings.knowledge_dir / "places.yml")
    detector = LanguageDetector(settings.nlu_dir, ignore_words=places.names)
    ours, stock = (intent_rows(results[name]) for name in ("ours", "stock"))
    detection = language_report(detector, held_out())
    cities_file = PROJECT_ROOT / "tests" / "nlu" / "cities.yml"
    cities = city_f1(places, cities_file) if cities_file.exists() else {}
    languages = [*sorted(lang for lang in ours if lang != "all"), "all"]
    rows = [
        [
            lang,
            ours[lang][0],
            ours[lang][1],
            stock[lang][1],
            ours[lang][1] / stock[lang][1] if stock[lang][1] else float("inf"),
            cities.get(lang, float("nan")),
            *detection[lang],
        ]
        for lang in languages
    ]
    print()
    headers = ["language", "intent acc", "macro-F1", "stock F1", "F1 ratio", "city F1", *REPORT_HEADERS]
    print(table(headers, rows))
    print("(language columns: see bench/language.py)")
    speed = []
    for name, result in results.items():
        seconds = [p["seconds"] * 1000 for p in result["predictions"]]
        speed.append(
            [name, result["train_seconds"], percentile(seconds, 50), percentile(seconds, 95), result["max_rss_mb"]]
        )
    print()
    print(table(["pipeline", "train s", "p50 ms", "p95 ms", "peak RSS MB"], speed))
    o, s = results["ours"], results["stock"]
    print(
        f"\nours / stock: training time {o['train_seconds'] / s['train_seconds']:.2f}x, "
        f"p50 latency {speed[0][2] / speed[1][2]:.2f}x, peak memory {o['max_rss_mb'] / s['max_rss_mb']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
