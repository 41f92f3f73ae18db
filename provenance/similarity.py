"""The similarity index over embeddings (faiss), and matching an image against registered assets.

Exact search (inner product on normalised vectors) below SIMILARITY_EXACT_MAX vectors; above it,
IVF whose candidates are re-ranked by exact cosine from the stored vectors. The index is kept in
memory per process, persisted to SIMILARITY_INDEX_PATH, and updated incrementally from the
database (rows added since it was last read); `manage.py similarity rebuild` rebuilds it. With
SIMILARITY_INDEX_PATH empty it is never written to disk: each process builds it from the database on
first use (the stack's processes keep nothing on their local disk).
"""

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from django.conf import settings

from . import fingerprint as fp
from .models import Fingerprint, PerceptualHash

_lock = threading.Lock()


def build_index(vectors: np.ndarray, ids: np.ndarray, exact_max: int):
    """An index of vectors with asset ids: flat below exact_max, IVF above."""
    d = vectors.shape[1]
    if len(vectors) < exact_max:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
    else:
        nlist = int(4 * math.sqrt(len(vectors)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(
            vectors[
                np.random.default_rng(0).choice(len(vectors), min(len(vectors), nlist * 32), replace=False)
            ]
        )
        index.nprobe = settings.SIMILARITY_NPROBE or max(8, nlist // 200)
        index = faiss.IndexIDMap2(index)
    if len(vectors):
        index.add_with_ids(vectors, ids)
    return index


class SimilarityIndex:
    def __init__(self):
        self.index = None
        self.last_id = 0
        self.dims = None

    def refresh(self) -> None:
        """Take in the fingerprints added since the last read (and load or build on first use)."""
        # Keyed by fingerprint (a video has one per keyframe); search maps them back to assets.
        rows = list(
            Fingerprint.objects.filter(id__gt=self.last_id)
            .order_by("id")
            .values_list("id", "id", "embedding", "dims")
        )
        if self.index is None and settings.SIMILARITY_INDEX_PATH:
            path = Path(settings.SIMILARITY_INDEX_PATH)
            meta = path.with_suffix(".last")
            if path.exists() and meta.exists():
                self.index = faiss.read_index(str(path))
                self.last_id = int(meta.read_text())
                rows = [r for r in rows if r[0] > self.last_id]
        if not rows:
            return
        vectors = np.array(
            [np.frombuffer(bytes(r[2]), dtype=np.float32) for r in rows], dtype=np.float32
        ).reshape(len(rows), -1)
        ids = np.array([r[1] for r in rows], dtype=np.int64)
        if self.index is None:
            self.index = build_index(vectors, ids, settings.SIMILARITY_EXACT_MAX) if len(rows) else None
            if self.index is None:
                return
        elif len(rows):
            self.index.remove_ids(ids)  # a re-fingerprinted asset replaces its old vector
            self.index.add_with_ids(vectors, ids)
        self.last_id = rows[-1][0] if rows else self.last_id
        self.save()

    def save(self) -> None:
        if not settings.SIMILARITY_INDEX_PATH:
            return
        path = Path(settings.SIMILARITY_INDEX_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(path)
        path.with_suffix(".last").write_text(str(self.last_id))

    def search(self, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """The nearest assets: [(asset id, best cosine)], best first."""
        if self.index is None or self.index.ntotal == 0:
            return []
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32), min(k, self.index.ntotal))
        owners = dict(
            Fingerprint.objects.filter(id__in=[int(i) for i in ids[0] if i >= 0]).values_list(
                "id", "asset_id"
            )
        )
        best = {}
        for i, s in zip(ids[0], scores[0]):
            asset = owners.get(int(i))  # a fingerprint replaced since the index was built has no owner
            if asset is not None and s > best.get(asset, -2):
                best[asset] = float(s)
        return sorted(best.items(), key=lambda x: -x[1])


_index = SimilarityIndex()


def index() -> SimilarityIndex:
    with _lock:
        _index.refresh()
        return _index


def rebuild() -> int:
    """Rebuild the index from the database; return its size."""
    global _index
    with _lock:
        if settings.SIMILARITY_INDEX_PATH:
            path = Path(settings.SIMILARITY_INDEX_PATH)
            for p in (path, path.with_suffix(".last")):
                p.unlink(missing_ok=True)
        _index = SimilarityIndex()
        _index.refresh()
        return _index.index.ntotal if _index.index is not None else 0


@dataclass(frozen=True)
class Match:
    asset_id: int
    cosine: float
    phash_distance: int | None
    via: str  # phash | embedding


def candidates_by_phash(value: int) -> dict[int, int]:
    """Assets with a pHash (of the whole image or a crop) within PHASH_MAX_DISTANCE: {asset: distance}."""
    return near_by_phash([value])[0]


def _rank(m: Match) -> tuple:
    """Nearest pHash first (no pHash candidate last), then highest cosine."""
    return (65 if m.phash_distance is None else m.phash_distance, -m.cosine)


def match(fingerprints: fp.Fingerprints, assets) -> Match | None:
    """The registered asset (among `assets`, a queryset) this image is a copy of, if any.

    Candidates come from the pHash bands and from the embedding index; a candidate is taken only
    if its exact cosine with the image passes EMBED_CONFIRM_COSINE.
    """
    by_phash = candidates_by_phash(fingerprints.phashes["full"])
    by_embedding = {
        a: s for a, s in index().search(fingerprints.embedding, 20) if s >= settings.EMBED_CANDIDATE_COSINE
    }
    allowed = set(assets.filter(pk__in=set(by_phash) | set(by_embedding)).values_list("pk", flat=True))
    best = None
    for f in Fingerprint.objects.filter(asset_id__in=allowed).order_by("asset_id", "id"):
        cosine = float(np.dot(np.frombuffer(bytes(f.embedding), dtype=np.float32), fingerprints.embedding))
        if cosine < settings.EMBED_CONFIRM_COSINE:
            continue
        candidate = Match(
            f.asset_id, cosine, by_phash.get(f.asset_id), "phash" if f.asset_id in by_phash else "embedding"
        )
        if best is None or _rank(candidate) < _rank(best):
            best = candidate
    return best


class PhashIndex:
    """Every stored pHash (whole images and their crops) in a faiss multi-index hash, so the
    hashes within PHASH_MAX_DISTANCE of a batch of queries are found in one call whatever the
    number stored. Kept in memory per process and updated from the database (rows added since it
    was last read).

    Four tables keyed by 16 bits each: two hashes within d bits differ in at most d // 4 bits of
    one table, so probing each table with that many bits flipped finds every one of them. (Eight
    tables of 8 bits need no flips, but at a million hashes each 8-bit bucket holds thousands.)"""

    def __init__(self):
        self.index = faiss.IndexBinaryMultiHash(64, 4, 16)
        self.index.nflip = settings.PHASH_MAX_DISTANCE // 4
        self.asset_ids = np.empty(0, dtype=np.int64)
        self.last_id = 0

    @staticmethod
    def codes(hashes) -> np.ndarray:
        return (
            np.array([h & 0xFFFF_FFFF_FFFF_FFFF for h in hashes], dtype=np.uint64)
            .view(np.uint8)
            .reshape(-1, 8)
        )

    def refresh(self, chunk: int = 200_000) -> None:
        while True:
            rows = list(
                PerceptualHash.objects.filter(id__gt=self.last_id)
                .order_by("id")
                .values_list("id", "asset_id", "hash")[:chunk]
            )
            if not rows:
                return
            self.index.add(self.codes([r[2] for r in rows]))
            self.asset_ids = np.concatenate([self.asset_ids, np.array([r[1] for r in rows], dtype=np.int64)])
            self.last_id = rows[-1][0]

    def near(self, hashes: list[int]) -> list[dict[int, int]]:
        """Return, for each hash, the assets with a stored pHash within PHASH_MAX_DISTANCE:
        {asset: distance}."""
        if not hashes or self.index.ntotal == 0:
            return [{} for _ in hashes]
        # faiss's radius is exclusive.
        lims, distances, found = self.index.range_search(self.codes(hashes), settings.PHASH_MAX_DISTANCE + 1)
        out = []
        for q in range(len(hashes)):
            best: dict[int, int] = {}
            for d, i in zip(distances[lims[q] : lims[q + 1]], found[lims[q] : lims[q + 1]]):
                asset = int(self.asset_ids[i])
                best[asset] = min(int(d), best.get(asset, 65))
            out.append(best)
        return out


_phash_index = PhashIndex()
_phash_lock = threading.Lock()


def near_by_phash(hashes: list[int]) -> list[dict[int, int]]:
    """Return, for each pHash, the assets within PHASH_MAX_DISTANCE of it (the index refreshed first)."""
    with _phash_lock:
        _phash_index.refresh()
        return _phash_index.near(hashes)


def near_any_by_phash(groups: list[list[int]]) -> list[dict[int, int]]:
    """For each group of pHashes (a still's one, a clip's sampled frames), the assets within
    PHASH_MAX_DISTANCE of any of them, at the nearest distance: one index lookup for all."""
    flat = [(n, h) for n, group in enumerate(groups) for h in group]
    out: list[dict[int, int]] = [{} for _ in groups]
    for (n, _), hits in zip(flat, near_by_phash([h for _, h in flat])):
        for asset, distance in hits.items():
            out[n][asset] = min(distance, out[n].get(asset, distance))
    return out
