"""Time the exact Banzhaf index for 190 random members with a total integer weight of 5,000,000.

Run: .venv/bin/python bench/voting_power.py [seed]
The quotas are a simple majority (the hardest case: the polynomial runs up to half the
total weight) and 85 % (IMF-style: complements need only the lowest 15 %).
"""

from __future__ import annotations

import random
import sys
import time

from ledger.domain.governance.power import banzhaf

MEMBERS = 190
TOTAL_WEIGHT = 5_000_000


def random_weights(seed: int) -> dict[str, int]:
    """190 positive integer weights summing to exactly 5,000,000, under made-up three-letter codes."""
    generator = random.Random(seed)
    cuts = sorted(generator.sample(range(1, TOTAL_WEIGHT), MEMBERS - 1))
    bounds = [0, *cuts, TOTAL_WEIGHT]
    codes = [f"{chr(65 + i // 26 // 26 % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" for i in range(MEMBERS)]
    return {code: high - low for code, low, high in zip(codes, bounds, bounds[1:])}


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 2025
    weights = random_weights(seed)
    for label, quota in (("simple majority", TOTAL_WEIGHT // 2 + 1), ("85 %", TOTAL_WEIGHT * 85 // 100)):
        started = time.perf_counter()
        index = banzhaf(weights, quota)
        elapsed = time.perf_counter() - started
        heaviest = max(weights, key=weights.__getitem__)
        print(
            f"Banzhaf, {MEMBERS} members, total weight {TOTAL_WEIGHT:,}, quota {quota:,} ({label}): {elapsed:.2f} s; "
            f"heaviest {heaviest} weight {weights[heaviest]:,} -> {float(index[heaviest]):.6f}"
        )


if __name__ == "__main__":
    main()
