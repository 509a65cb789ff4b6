"""Brand matching throughput as the number of configured terms grows (agencies watch thousands of
product names). Prints posts per second and the automaton's build time for each catalogue size.

    python -m bench.matching_speed [--posts 1000]
"""

from __future__ import annotations

import argparse
import time

from transforms.matching import BrandMatcher, BrandTerms


def catalogue(size: int) -> list[BrandTerms]:
    """One agency brand with `size` product names (half Chinese, half Latin) and a few others."""
    products = tuple(f"型号{i:05d}" if i % 2 else f"Model{i:05d}X" for i in range(size))
    return [BrandTerms("agency", products, ("型号00001款式",)), BrandTerms("rival", ("竞品", "Rival"))]


def posts(n: int, size: int) -> list[str]:
    return [f"第{i}条：买了型号{(i * 7) % size:05d}，和 model{(i * 13) % size:05d}x 比了比，还看了竞品" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'terms':>8} {'build s':>8} {'posts/s':>10} {'mentions':>9}")
    for size in (10, 100, 1000, 5000, 20000):
        texts = posts(args.posts, size)
        began = time.perf_counter()
        matcher = BrandMatcher(catalogue(size))
        built = time.perf_counter() - began
        began = time.perf_counter()
        found = [matcher.match(text) for text in texts]
        took = time.perf_counter() - began
        print(f"{size:>8} {built:>8.3f} {len(texts) / took:>10.0f} {sum(len(f) for f in found):>9}")


if __name__ == "__main__":
    main()
