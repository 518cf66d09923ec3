"""Train the ``minilm-foundation`` dictionary: one SAE for all-MiniLM-L6-v2 embeddings.

Step 2 of the build (step 1, ``tools/embed_simplewiki.py``, embeds the Simple English
Wikipedia lead paragraphs). Holds out 5 % of the paragraphs, trains an SAE with the package's
own trainer on the rest, prints explained variance, mean L0 and dead atoms on the training
part, the held-out part, 20 Newsgroups and the bundled corpus, and writes the dictionary as
an SAE-Lens folder (float16 weights) with its provenance and licence.

    python tools/train_foundation_sae.py [--expansion 4] [--architecture standard] [--k 32]
        [--l1 2.0] [--epochs 30] [--out bertopic_saetm/dictionaries/minilm-foundation]

Without ``--out`` nothing is written (a measurement run).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bertopic_saetm.datasets import load_python_docs
from bertopic_saetm.sae import SAETrainingConfig, save_sae, train_sae
from bertopic_saetm.sae.training import reconstruction_stats

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_EMBEDDINGS = Path.home() / ".cache" / "bertopic-saetm" / "simplewiki.minilm.f16.npy"
HELD_OUT = 0.05
LICENCE = (
    "Trained on text from Simple English Wikipedia (lead paragraphs of a 2017-era dump), "
    "licensed CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/). These weights "
    "are offered under the same licence."
)


def split(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(HELD_OUT * n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def report(name: str, sae, X: np.ndarray) -> None:
    ev, l0, dead = reconstruction_stats(sae, X)
    print(f"  {name:22s} {X.shape[0]:>7,} docs  explained variance {ev:.3f}  L0 {l0:5.1f}  "
          f"dead atoms {dead}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", type=Path, default=DEFAULT_EMBEDDINGS)
    parser.add_argument("--expansion", type=int, default=4)
    parser.add_argument("--architecture", default="standard", choices=["standard", "topk"])
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--l1", type=float, default=2.0)
    parser.add_argument("--epochs", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    X = np.load(args.embeddings).astype(np.float32)
    train, test = split(X.shape[0], args.seed)
    config = SAETrainingConfig(architecture=args.architecture, expansion_factor=args.expansion,
                               k=args.k, l1_coefficient=args.l1, target_epochs=args.epochs)
    print(f"training on {train.size:,} paragraphs, holding out {test.size:,}: {config}")
    tick = time.perf_counter()
    sae, training = train_sae(X[train], config, random_state=args.seed)
    print(f"trained in {time.perf_counter() - tick:.0f} s: {training.steps} steps "
          f"({'converged' if training.converged else 'step plan'})")
    report("Wikipedia, training", sae, X[train])
    report("Wikipedia, held out", sae, X[test])
    if (SHARED / "20ng.minilm.f16.npy").is_file():
        report("20 Newsgroups", sae, np.load(SHARED / "20ng.minilm.f16.npy").astype(np.float32))
    report("bundled Python docs", sae, load_python_docs().embeddings)
    if args.out is None:
        return
    metadata = {
        "model_name": "sentence-transformers/all-MiniLM-L6-v2",
        "hook_name": "sentence_embedding",
        "embedding_model": "sentence-transformers/all-MiniLM-L6-v2",
        "training_data": "Simple English Wikipedia lead paragraphs "
                         f"({train.size:,} of 118,406; seed {args.seed})",
        "training_config": config.to_dict(),
        "training_report": training.to_dict(),
        "license": "CC-BY-SA-3.0",
        "attribution": LICENCE,
    }
    save_sae(sae, args.out, metadata=metadata, dtype="float16")
    (args.out / "LICENSE.md").write_text(f"# minilm-foundation weights\n\n{LICENCE}\n")
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
