"""Decision: our SAE trainer, not SAE-Lens's (docs/method.md, departures).

Our SAE trainer against SAE-Lens's own trainer on 20 Newsgroups MiniLM embeddings.

Both train a ReLU + L1 SAE with the same expansion, L1 coefficient, learning rate, batch size
and number of steps; prints wall time, explained variance, mean L0, dead atoms and how
similar the two dictionaries' atoms are.

    python benchmarks/experiments/sae_lens_trainer.py [--steps 2000] [--seed 0] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from bertopic_saetm.sae import SAETrainingConfig
from bertopic_saetm.sae.training import train_sae
from sae_lens_bridge.training import train_with_sae_lens

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "20ng.minilm.f16.npy"


def best_cosines(atoms: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each row of ``atoms`` (unit), the largest cosine with a row of ``others`` (unit)."""
    return (atoms @ others.T).max(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--self-baseline", action="store_true",
                        help="also train ours with seed+1, for a same-trainer similarity")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    X = np.load(args.data).astype(np.float32)
    config = SAETrainingConfig(min_steps=args.steps, max_steps=args.steps, device="cpu")
    print(f"data {args.data.name} {X.shape}, steps {args.steps}, batch {config.batch_size}, "
          f"lr {config.learning_rate}, l1 {config.l1_coefficient}, expansion "
          f"{config.expansion_factor}, torch threads {torch.get_num_threads()}")

    started = time.perf_counter()
    ours, ours_report = train_sae(X, config, random_state=args.seed)
    ours_wall = time.perf_counter() - started
    started = time.perf_counter()
    theirs, theirs_report = train_with_sae_lens(
        X, expansion_factor=config.expansion_factor, l1_coefficient=config.l1_coefficient,
        lr=config.learning_rate, batch_size=config.batch_size, n_steps=args.steps,
        random_state=args.seed, device="cpu")
    theirs_wall = time.perf_counter() - started

    rows = [("steps", ours_report.steps, theirs_report["steps"], "d"),
            ("wall time incl. stats (s)", ours_wall, theirs_wall, ".1f"),
            ("training loop (s)", ours_report.seconds, theirs_report["seconds"], ".1f"),
            ("explained variance", ours_report.explained_variance,
             theirs_report["explained_variance"], ".4f"),
            ("mean L0", ours_report.mean_l0, theirs_report["mean_l0"], ".1f"),
            ("dead atoms", ours_report.dead_atoms, theirs_report["dead_atoms"], "d"),
            ("input scale", ours_report.input_scale, theirs_report["scaling_factor"], ".3f")]
    print(f"\n{'':28s} {'ours':>10s} {'sae_lens':>10s}")
    for name, a, b, fmt in rows:
        print(f"{name:28s} {a:>10{fmt}} {b:>10{fmt}}")
    print(f"{'time ratio (theirs / ours)':28s} {theirs_wall / ours_wall:>10.2f} "
          f"(loops {theirs_report['seconds'] / ours_report.seconds:.2f})")
    if ours_report.converged:
        print(f"note: ours stopped on its plateau criterion after {ours_report.steps} steps")

    ours_atoms, theirs_atoms = ours.atoms(), theirs.sae.atoms()
    print(f"\natom similarity (max cosine of each atom with the other dictionary's atoms, "
          f"{ours_atoms.shape[0]} atoms each):")
    pairs = [("ours -> sae_lens", ours_atoms, theirs_atoms),
             ("sae_lens -> ours", theirs_atoms, ours_atoms)]
    if args.self_baseline:
        again, _ = train_sae(X, config, random_state=args.seed + 1)
        pairs.append((f"ours -> ours (seed {args.seed + 1})", ours_atoms, again.atoms()))
    rng = np.random.default_rng(args.seed)
    random_atoms = rng.standard_normal(ours_atoms.shape)
    random_atoms /= np.linalg.norm(random_atoms, axis=1, keepdims=True)
    pairs.append(("ours -> random unit vectors", ours_atoms, random_atoms))
    for name, a, b in pairs:
        best = best_cosines(a, b)
        print(f"  {name:30s} median {np.median(best):.3f}, fraction > 0.7 "
              f"{(best > 0.7).mean():.3f}")


if __name__ == "__main__":
    main()
