"""Engine side of `make bench-nlu` (runs in .venv-engine): train an NLU model with one config, predict held-out data.

Writes JSON with the training time, peak memory, and one prediction (and its latency) per held-out message.
"""

import argparse
import asyncio
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def held_out_examples(test_dir: Path):
    for path in sorted(test_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue  # not an NLU file (e.g. the city set)
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                if text:
                    yield path.stem, block["intent"], text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--nlu", default="data/nlu")
    parser.add_argument("--test-dir", default="tests/nlu")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rasa",
                "train",
                "nlu",
                "--config",
                args.config,
                "--nlu",
                args.nlu,
                "--out",
                tmp,
                "--fixed-model-name",
                "bench",
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        train_seconds = time.perf_counter() - started

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.ERROR)  # otherwise every parse prints a debug line (structlog's default)
        agent = Agent.load(f"{tmp}/bench.tar.gz")
        loop = asyncio.new_event_loop()
        loop.run_until_complete(agent.parse_message("warm up"))
        predictions = []
        for language, expected, text in held_out_examples(Path(args.test_dir)):
            started = time.perf_counter()
            parsed = loop.run_until_complete(agent.parse_message(text))
            predictions.append(
                {
                    "language": language,
                    "text": text,
                    "expected": expected,
                    "predicted": parsed["intent"]["name"],
                    "confidence": parsed["intent"]["confidence"],
                    "seconds": time.perf_counter() - started,
                }
            )
    result = {
        "config": args.config,
        "train_seconds": train_seconds,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "predictions": predictions,
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
