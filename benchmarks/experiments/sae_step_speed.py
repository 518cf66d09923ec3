"""Decision: the hand-written sparse backward pass (docs/method.md, departures).

Time one SAE training step (loss + gradients) on the CPU: the hand-written sparse step
(bertopic_saetm.sae.gradients) against autograd, at several activation densities.

    python benchmarks/experiments/sae_step_speed.py [--batch 250] [--d-in 384] [--expansion 4]
"""

from __future__ import annotations

import argparse
import time

import torch

from bertopic_saetm.sae import SAEConfig, SparseAutoencoder
from bertopic_saetm.sae.gradients import loss_and_gradients


def autograd_step(sae, x, l1):
    for p in sae.parameters():
        p.grad = None
    acts = sae.encode(x)
    loss = (sae.decode(acts) - x).pow(2).sum(dim=1).mean() + l1 * acts.sum(dim=1).mean()
    loss.backward()


def timed(fn, repeats=30):
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--d-in", type=int, default=384)
    parser.add_argument("--expansion", type=int, default=4)
    args = parser.parse_args()
    torch.manual_seed(0)
    d_sae = args.expansion * args.d_in
    sae = SparseAutoencoder(SAEConfig(args.d_in, d_sae))
    x = torch.randn(args.batch, args.d_in)
    with torch.no_grad():
        for p in sae.parameters():
            p.copy_(torch.randn(p.shape))
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
        pre = (x - sae.b_dec) @ sae.W_enc
    print(f"batch {args.batch}, d_in {args.d_in}, d_sae {d_sae}")
    print(f"{'mean L0':>8s} {'autograd ms':>12s} {'sparse ms':>10s} {'ratio':>6s}")
    for l0 in (25, 50, 100, 200, 400):
        with torch.no_grad():  # encoder biases that make l0 atoms fire per input on average
            sae.b_enc.copy_(-torch.quantile(pre, 1 - l0 / d_sae, dim=0))
        reference = timed(lambda: autograd_step(sae, x, 2.0))
        ours = timed(lambda: loss_and_gradients(sae, x, 2.0))
        print(f"{l0:8d} {reference:12.1f} {ours:10.1f} {reference / ours:6.2f}")


if __name__ == "__main__":
    main()
