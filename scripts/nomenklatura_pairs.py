"""Scores labelled name pairs with nomenklatura's logic-v2 matcher, for a
side-by-side comparison with `kansa eval names` (see BENCHMARKS.md).

Usage: python3 scripts/nomenklatura_pairs.py PAIRS.csv [THRESHOLD]
Prints one JSON object: pairs, threshold, precision, recall, f1,
scoring_seconds (time spent in compare(), loading excluded)."""
import csv
import json
import sys
import time

from followthemoney import model
from nomenklatura.matching import LogicV2
from nomenklatura.matching.types import ScoringConfig

SCHEMAS = {"Person", "Company", "Organization", "LegalEntity", "Vessel"}


def entity(schema: str, ident: str, name: str):
    proxy = model.make_entity(schema if schema in SCHEMAS else "LegalEntity")
    proxy.id = ident
    proxy.add("name", name)
    return proxy


def main() -> None:
    path = sys.argv[1]
    threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.7
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    pairs = [
        (entity(r.get("schema") or "Person", f"q{i}", r["name1"]), entity(r.get("schema") or "Person", f"r{i}", r["name2"]), r["is_match"].strip().lower() == "true")
        for i, r in enumerate(rows)
    ]
    config = ScoringConfig.defaults()
    # One untimed pass first, so that lazy imports and caches are warm.
    for q, r, _ in pairs[:50]:
        LogicV2.compare(q, r, config)
    start = time.perf_counter()
    scores = [LogicV2.compare(q, r, config).score for q, r, _ in pairs]
    secs = time.perf_counter() - start
    tp = sum(1 for s, (_, _, m) in zip(scores, pairs) if m and s >= threshold)
    fp = sum(1 for s, (_, _, m) in zip(scores, pairs) if not m and s >= threshold)
    fn = sum(1 for s, (_, _, m) in zip(scores, pairs) if m and s < threshold)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(json.dumps({"matcher": "nomenklatura logic-v2 4.17.4", "pairs": len(pairs), "threshold": threshold, "precision": p, "recall": r, "f1": f1, "scoring_seconds": secs, "pairs_per_second": len(pairs) / secs}))


if __name__ == "__main__":
    main()
