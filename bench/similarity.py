"""The similarity index at 100,000 and 1,000,000 vectors of 512 dimensions: build time and
memory, single-query latency, and the top-1 hit rate of planted near-duplicates. Exact (flat)
and IVF, as provenance.similarity.build_index builds them. Prints JSON and writes
bench/results/similarity.json."""

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentiles, report, setup_django, size  # noqa: E402

SIZES = [int(s) for s in (os.environ.get("BENCH_SIZES") or size("100000,1000000", "2000")).split(",")]
D = 512
QUERIES = size(1000, 10)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vectors(n, rng):
    # Clustered, like embeddings of a film's plates: 2,000 looks, each with many variations.
    centres = rng.normal(size=(2000, D)).astype(np.float32)
    x = centres[rng.integers(0, 2000, n)] + 0.6 * rng.normal(size=(n, D)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    setup_django("rightsledger_bench_similarity")
    import faiss

    from provenance.similarity import build_index

    rng = np.random.default_rng(0)
    results = []
    for n in SIZES:
        data = vectors(n, rng)
        ids = np.arange(n, dtype=np.int64)
        picks = rng.choice(n, QUERIES, replace=False)
        noisy = data[picks] + 0.02 * rng.normal(size=(QUERIES, D)).astype(
            np.float32
        )  # a re-encoded copy: cosine ~0.9
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        cos = float(np.mean(np.sum(noisy * data[picks], axis=1)))
        for kind, exact_max in (("exact", n + 1), ("ivf", 0)):
            before = rss_mb()
            t = time.perf_counter()
            index = build_index(data, ids, exact_max)
            build = time.perf_counter() - t
            memory = rss_mb() - before
            faiss.omp_set_num_threads(1)  # one query at a time, as a request makes it
            lat, hits = [], 0
            count = (
                QUERIES if kind == "ivf" or n < 1_000_000 else 100
            )  # brute force at 1M takes ~0.2 s a query
            for q, want in zip(noisy[:count], picks[:count]):
                t = time.perf_counter()
                _, found = index.search(q.reshape(1, -1), 1)
                lat.append(time.perf_counter() - t)
                hits += int(found[0, 0] == want)
            faiss.omp_set_num_threads(os.cpu_count() or 2)
            row = {
                "vectors": n,
                "dims": D,
                "index": kind,
                "build_seconds": round(build, 2),
                "memory_mb": round(max(memory, n * D * 4 / 2**20), 1),
                "query": percentiles(lat),
                "planted_top1": hits / count,
                "planted_cosine": round(cos, 3),
            }
            if kind == "ivf":
                row["nprobe"] = faiss.downcast_index(index.index).nprobe
            results.append(row)
            print(row, file=sys.stderr)
            del index
    report("similarity", {"results": results})


if __name__ == "__main__":
    main()
