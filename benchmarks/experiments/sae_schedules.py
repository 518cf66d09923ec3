"""Decision: the SAE's training schedule (docs/method.md, departures from the paper).

Compare SAE training schedules on 20 Newsgroups MiniLM embeddings: the paper's
(batch 1000, lr 1e-3, 50k steps) against shorter budgets, by the training objective
(mean ||x_hat - x||^2 + 2 * L1, inputs scaled to mean norm sqrt(d)) on the whole corpus.

    python benchmarks/experiments/sae_schedules.py [--device cuda] [--paper-steps 50000]

On a GPU the whole comparison takes about 5 minutes; on 2 CPU cores the 50k-step reference
alone takes well over an hour (use --paper-steps 5000 for a quicker, weaker reference).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from bertopic_saetm.sae import SAETrainingConfig, train_sae


@torch.no_grad()
def objective(sae, scale, X, device, l1=2.0):
    sae = sae.to(device)
    total_mse = total_l1 = 0.0
    for start in range(0, len(X), 4096):
        x = torch.as_tensor(X[start : start + 4096], device=device)
        acts = sae.encode(x)
        total_mse += float(((sae.decode(acts) - x) * scale).pow(2).sum())
        total_l1 += float(acts.sum())
    sae.to("cpu")
    return (total_mse + l1 * total_l1) / len(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--paper-steps", type=int, default=50_000)
    args = parser.parse_args()
    X = np.load(args.data / "20ng.minilm.f16.npy").astype(np.float32)
    n = len(X)
    runs = {f"paper ({args.paper_steps} steps)": dict(
        batch_size=1000, learning_rate=1e-3, min_steps=args.paper_steps,
        max_steps=args.paper_steps, decay_fraction=0.0, tol=0.0, check_every=10**9)}
    for epochs in (15, 30):
        for batch, lr, decay in ((1000, 1e-3, 0.0), (1000, 5e-3, 0.0), (250, 3e-3, 0.0),
                                 (250, 5e-3, 0.3), (125, 3e-3, 0.3)):
            steps = int(epochs * n / batch)
            runs[f"{epochs} epochs, batch {batch}, lr {lr}, anneal {decay}"] = dict(
                batch_size=batch, learning_rate=lr, min_steps=steps, max_steps=steps,
                decay_fraction=decay, tol=0.0, check_every=10**9)
    runs["default (adaptive)"] = {}
    print(f"{'schedule':45s} {'objective':>9s} {'EV':>6s} {'L0':>6s} {'steps':>6s} {'s':>6s}")
    for name, overrides in runs.items():
        tick = time.perf_counter()
        sae, report = train_sae(X, SAETrainingConfig(device=args.device, **overrides),
                                random_state=0)
        seconds = time.perf_counter() - tick
        device = report.device
        value = objective(sae, report.input_scale, X, device)
        print(f"{name:45s} {value:9.1f} {report.explained_variance:6.3f} "
              f"{report.mean_l0:6.1f} {report.steps:6d} {seconds:6.1f}", flush=True)


if __name__ == "__main__":
    main()
