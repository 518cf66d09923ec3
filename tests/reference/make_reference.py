"""Write the reference fingerprints that ``tests/test_reference_fits.py`` reproduces.

Run once, with the code whose fits the rest of the project must keep (0.1.0, commit
16fe28c)::

    python tests/reference/make_reference.py --data ../shared/data

The bundled corpus (seed 0, 15 topics) and 20 Newsgroups (seed 0, 20 topics).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fingerprint import fingerprint  # noqa: E402

#: (name, n_topics, seed) of every reference fit.
FITS = (("bundled", 15, 0), ("20ng", 20, 0))


def corpus(name: str, data: Path):
    if name == "bundled":
        from bertopic_saetm.datasets import load_python_docs

        c = load_python_docs()
        return list(c.texts), np.asarray(c.embeddings, dtype=np.float32)
    with gzip.open(data / "20ng.jsonl.gz", "rt") as f:
        texts = [json.loads(line)["text"] for line in f]
    return texts, np.load(data / "20ng.minilm.f16.npy").astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data")
    args = parser.parse_args()
    from bertopic_saetm import SAETopicModel

    for name, k, seed in FITS:
        texts, embeddings = corpus(name, args.data)
        model = SAETopicModel(n_topics=k, random_state=seed).fit(texts, embeddings)
        arrays, facts = fingerprint(model, embeddings)
        save_file({key: np.ascontiguousarray(v) for key, v in arrays.items()},
                  str(HERE / f"{name}.safetensors"))
        (HERE / f"{name}.json").write_text(json.dumps(facts, indent=1) + "\n")
        print(f"{name}: {model.n_topics_} topics, {model.atoms_.shape[0]} atoms, "
              f"{model.vocabulary_.size} words")


if __name__ == "__main__":
    main()
