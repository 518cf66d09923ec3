"""Training a sparse autoencoder on document embeddings (the SAE-TM paper's recipe).

ReLU SAE with an L1 penalty (or TopK), unit-norm decoder rows, one shared pre-bias, Adam,
linear warm-up of learning rate and L1 coefficient. Instead of a fixed 50k steps the
number of steps is planned from the data size and training stops once the loss plateaus.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import SAEConfig, SAETrainingConfig
from .gradients import loss_and_gradients
from .model import SparseAutoencoder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SAETrainingReport:
    """What training did and how good the dictionary is on the training data.

    Attributes
    ----------
    steps : int
        Optimisation steps taken.
    planned_steps : int
        Steps the schedule was planned for (warm-up is a fraction of these).
    converged : bool
        True when training stopped on the plateau criterion rather than the step plan.
    seconds : float
        Wall time of the optimisation loop.
    final_loss : float
        Mean loss over the last convergence window.
    explained_variance : float
        ``1 - sum ||x - x_hat||^2 / sum ||x - mean(x)||^2`` over all training inputs.
    mean_l0 : float
        Mean number of active atoms per input.
    dead_atoms : int
        Atoms that fire on no training input.
    input_scale : float
        Factor the inputs were multiplied by during training.
    device : str
        Device the SAE was trained on.
    """

    steps: int
    planned_steps: int
    converged: bool
    seconds: float
    final_loss: float
    explained_variance: float
    mean_l0: float
    dead_atoms: int
    input_scale: float
    device: str

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_device(device: str) -> torch.device:
    """Turn ``"auto"`` into CUDA when available, else CPU; validate anything else."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    return dev


def input_scale_for(X: np.ndarray, sample_size: int = 20_000, seed: int = 0) -> float:
    """Factor that brings the mean embedding norm to ``sqrt(d)``.

    With unit-norm atoms and L1 coefficient 2, an atom pays off only when the residual's
    projection on it exceeds 1; for unit-norm sentence embeddings nothing would fire.
    """
    n = X.shape[0]
    rows = np.arange(n) if n <= sample_size else np.sort(
        np.random.default_rng(seed).choice(n, sample_size, replace=False)
    )
    mean_norm = float(np.linalg.norm(np.asarray(X[rows], dtype=np.float64), axis=1).mean())
    if not mean_norm > 0:
        raise ValueError("All embeddings are zero vectors; an SAE cannot be trained on them.")
    return math.sqrt(X.shape[1]) / mean_norm


def plan_steps(n_samples: int, config: SAETrainingConfig) -> int:
    """Number of steps the warm-up schedule is planned for."""
    epochs_steps = math.ceil(config.target_epochs * n_samples / config.batch_size)
    return int(min(max(epochs_steps, config.min_steps), config.max_steps))


def _initialise(sae: SparseAutoencoder, X_scaled_mean: torch.Tensor, gen: torch.Generator):
    # Random unit atoms (initialising atoms at documents converged more slowly in our runs),
    # tied encoder, pre-bias at the data mean.
    with torch.no_grad():
        w = torch.randn(sae.d_sae, sae.d_in, generator=gen, device="cpu")
        w /= w.norm(dim=1, keepdim=True)
        sae.W_dec.copy_(w)
        # Tied initialisation: each atom starts out reading its own direction.
        sae.W_enc.copy_(w.T)
        sae.b_enc.zero_()
        sae.b_dec.copy_(X_scaled_mean)


def _project_decoder_grad(W_dec: torch.nn.Parameter) -> None:
    # Remove the gradient component parallel to each (unit) atom: the step then moves
    # atoms along the sphere and renormalising afterwards changes them only slightly.
    if W_dec.grad is not None:
        parallel = (W_dec.grad * W_dec.data).sum(dim=1, keepdim=True)
        W_dec.grad.sub_(parallel * W_dec.data)


def train_sae(
    X: np.ndarray,
    config: SAETrainingConfig | None = None,
    random_state: int | None = None,
    verbose: bool = False,
) -> tuple[SparseAutoencoder, SAETrainingReport]:
    """Train a sparse autoencoder on embeddings.

    Parameters
    ----------
    X : ndarray of shape (n_samples, d_in)
        Training embeddings, finite. A memory-mapped array is read one batch at a time.
    config : SAETrainingConfig, optional
        Hyper-parameters; paper defaults when omitted.
    random_state : int, optional
        Seed for initialisation and batch order. The same seed on the same device gives
        identical weights.
    verbose : bool
        Show a progress bar.

    Returns
    -------
    sae : SparseAutoencoder
        Trained SAE on the CPU, its input scale folded into the weights (it reads raw
        embeddings), in evaluation mode.
    report : SAETrainingReport
    """
    config = config or SAETrainingConfig()
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"Training embeddings must be a non-empty 2-D array, got {X.shape}.")
    n, d_in = X.shape
    for start in range(0, n, 1 << 16):
        if not np.isfinite(X[start : start + (1 << 16)]).all():
            raise ValueError("Training embeddings contain NaN or infinite values.")
    device = resolve_device(config.device)
    seed = int(np.random.SeedSequence(random_state).generate_state(1)[0]) if random_state is None \
        else int(random_state)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    rng = np.random.default_rng(seed)

    scale = input_scale_for(X, seed=seed)
    arch_cfg = SAEConfig(
        d_in=d_in,
        d_sae=config.expansion_factor * d_in,
        architecture=config.architecture,
        k=config.k if config.architecture == "topk" else None,
    )
    # The SAE trains on scaled inputs (input_scale 1 inside the loop); the scale is set
    # afterwards and folded into the weights.
    sae = SparseAutoencoder(arch_cfg)
    sample = np.asarray(X[np.sort(rng.choice(n, min(n, 50_000), replace=False))], np.float64)
    _initialise(sae, torch.as_tensor(sample.mean(axis=0) * scale, dtype=torch.float32), gen)
    sae.to(device)

    in_memory = not isinstance(X, np.memmap)
    X_dev = None
    if in_memory:
        X_np = np.asarray(X, dtype=np.float32)
        # torch cannot share read-only memory (e.g. a view of a read-only memory map).
        X_dev = torch.as_tensor(X_np if X_np.flags.writeable else X_np.copy(), device=device)

    planned = plan_steps(n, config)
    warmup = max(1, int(config.warmup_fraction * planned))
    l1 = config.l1_coefficient if config.architecture == "standard" else 0.0
    batch_size = min(config.batch_size, n)
    optimizer = torch.optim.Adam(sae.parameters(), lr=config.learning_rate)
    # Learning rate: linear warm-up, constant, then a linear anneal to zero. The anneal
    # starts either where the step plan puts it or as soon as the loss plateaus.
    decay_start = planned - int(config.decay_fraction * planned)
    stop_at = planned

    # Convergence is judged on whole passes over the data (bounded to a sensible range of
    # steps), so that minibatch noise does not masquerade as a plateau.
    window = int(min(max(config.check_every, math.ceil(n / batch_size)), 20 * config.check_every))
    window_losses: list[float] = []
    previous_window = math.inf
    converged = False
    final_loss = math.nan
    order = rng.permutation(n)
    cursor = 0
    started = time.perf_counter()
    progress = tqdm(total=planned, desc="Training SAE", disable=not verbose, leave=False)
    step = 0
    for step in range(1, planned + 1):
        if step > stop_at:
            step -= 1
            break
        if step <= warmup:
            lr_factor = step / warmup
        elif step <= decay_start:
            lr_factor = 1.0
        else:
            lr_factor = max(0.0, (stop_at - step + 1) / max(1, stop_at - decay_start))
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * lr_factor
        if cursor + batch_size > n:
            order, cursor = rng.permutation(n), 0
        idx = order[cursor : cursor + batch_size]
        cursor += batch_size
        if in_memory:
            batch = X_dev[torch.as_tensor(idx, device=device)]
        else:
            batch = torch.as_tensor(np.asarray(X[np.sort(idx)], dtype=np.float32), device=device)

        step_l1 = l1 * min(1.0, step / warmup)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_and_gradients(sae, batch * scale, step_l1)
        _project_decoder_grad(sae.W_dec)
        optimizer.step()
        with torch.no_grad():
            sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-8))

        # The objective keeps moving while the L1 coefficient warms up: judge only after.
        window_losses.append(float(loss.detach()))
        if len(window_losses) == window:
            current = float(np.mean(window_losses))
            window_losses.clear()
            final_loss = current
            progress.set_postfix(loss=f"{current:.4g}")
            plateau = previous_window - current < config.tol * abs(previous_window)
            if step > warmup and step < decay_start and plateau:
                converged = True
                decay_start = step
                stop_at = min(planned, step + max(1, int(config.decay_fraction * step)))
                progress.total = stop_at
            previous_window = current if step > warmup else math.inf
        if step % 10 == 0:
            progress.update(step - progress.n)
    progress.close()
    seconds = time.perf_counter() - started

    sae.eval()
    for p in sae.parameters():
        p.requires_grad_(False)
    sae.input_scale = scale
    ev, l0, dead = reconstruction_stats(sae, X)
    sae.to("cpu")
    sae.fold_input_scale()
    report = SAETrainingReport(
        steps=step,
        planned_steps=planned,
        converged=converged,
        seconds=seconds,
        final_loss=final_loss,
        explained_variance=ev,
        mean_l0=l0,
        dead_atoms=dead,
        input_scale=scale,
        device=str(device),
    )
    logger.info(
        "SAE trained: %d steps (%s) in %.1fs, explained variance %.3f, L0 %.1f, %d/%d dead atoms",
        step, "converged" if converged else "step plan", seconds, ev, l0, dead, sae.d_sae,
    )
    return sae, report


@torch.no_grad()
def reconstruction_stats(
    sae: SparseAutoencoder, X: np.ndarray, batch_size: int = 4096
) -> tuple[float, float, int]:
    """Explained variance, mean L0 and number of dead atoms of ``sae`` on ``X``.

    Returns
    -------
    explained_variance : float
    mean_l0 : float
    dead_atoms : int
    """
    device = sae.W_enc.device
    n = X.shape[0]
    fired = torch.zeros(sae.d_sae, dtype=torch.bool, device=device)
    sq_err = 0.0
    l0_total = 0.0
    sums = torch.zeros(sae.d_in, dtype=torch.float64, device=device)
    sq_sums = 0.0
    for start in range(0, n, batch_size):
        x = torch.as_tensor(np.array(X[start : start + batch_size], dtype=np.float32),
                            device=device)
        acts = sae.encode(x)
        recon = sae.decode(acts)
        sq_err += float((recon - x).double().pow(2).sum())
        active = acts > 0
        l0_total += float(active.sum())
        fired |= active.any(dim=0)
        sums += x.double().sum(dim=0)
        sq_sums += float(x.double().pow(2).sum())
    total_var = sq_sums - float(sums.pow(2).sum()) / n
    ev = 1.0 - sq_err / total_var if total_var > 0 else float("nan")
    return ev, l0_total / n, int((~fired).sum())
