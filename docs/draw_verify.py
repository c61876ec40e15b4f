#!/usr/bin/env python3
"""Recomputes a xianfeng draw record (docs/DRAW.md) from its own inputs.

    python3 draw_verify.py record.json

Standard library only. Prints "verified" and exits 0, or names what differs and exits 1.
"""
import hashlib
import json
import sys


def h(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def redraw(r):
    codes = sorted({c for cs in r["population"].values() for c in cs}, key=lambda c: c.encode())
    p = h("\n".join(codes))
    seed = h(p + "|" + r["seed_input"])
    keyed = []
    for stratum, cs in r["population"].items():
        k = r["per_stratum"].get(stratum, 0)
        keyed += sorted((h(seed + "|target|" + c), c) for c in set(cs))[:k]
    targets = [c for _, c in sorted(keyed)]
    conflicts = {tuple(pair) for pair in r["conflicts"]}
    load, assignments = {}, {}
    for t in targets:
        ranked = sorted((h(seed + "|inspector|" + t + "|" + i), i) for i in r["inspectors"])
        chosen = []
        for _, i in ranked:
            if len(chosen) == r["per_target"]:
                break
            if (t, i) in conflicts or load.get(i, 0) >= r["cap"]:
                continue
            load[i] = load.get(i, 0) + 1
            chosen.append(i)
        assignments[t] = chosen
    return p, seed, targets, assignments


def path_conflicts(r):
    out = set()
    for t, path in r["target_paths"].items():
        for i, home in r["inspector_homes"].items():
            if home == t or home in path[1:-1]:
                out.add((t, i))
    return out


def main(path):
    r = json.load(open(path, encoding="utf-8"))
    p, seed, targets, assignments = redraw(r)
    differs = [
        name
        for name, ok in [
            ("algorithm", r["algorithm"] == "xianfeng-draw-1"),
            ("population_digest", p == r["population_digest"]),
            ("seed", seed == r["seed"]),
            ("targets", targets == r["targets"]),
            ("assignments", assignments == r["assignments"]),
            ("conflicts", path_conflicts(r) <= {tuple(c) for c in r["conflicts"]}),
        ]
        if not ok
    ]
    if differs:
        print("does not verify: " + ", ".join(differs))
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
