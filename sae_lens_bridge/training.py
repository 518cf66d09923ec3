"""Train a ReLU SAE on an in-memory embedding matrix with SAE-Lens's own trainer.

An alternative to :func:`bertopic_saetm.sae.train_sae` for checking our trainer against the
reference implementation: ``sae_lens.training.sae_trainer.SAETrainer`` runs on an infinite
iterator of batches drawn from ``X``, no language model involved. Inputs are rescaled to
mean norm ``sqrt(d_in)`` (``normalize_activations="expected_average_only_in"``) and the
factor is folded back, so the returned SAE reads raw embeddings.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator

import numpy as np
import torch

from bertopic_saetm.sae.training import reconstruction_stats, resolve_device, resolve_seed

from .dictionaries import Dictionary, from_sae_lens

logger = logging.getLogger(__name__)

_INSTALL_HINT = ("Training with SAE-Lens needs sae_lens: pip install 'bertopic-saetm[bridge]' "
                 "(or pip install torch==2.13.0 sae-lens).")

#: Fractions of the steps for the L1 / learning-rate warm-up and the final linear LR decay
#: (as in our trainer's default schedule).
WARMUP_FRACTION = 0.1
DECAY_FRACTION = 0.3
#: Inputs used to estimate the mean norm (as ``input_scale_for`` in our trainer).
NORM_SAMPLES = 20_000


def _batches(X: torch.Tensor, batch_size: int, rng: np.random.Generator
             ) -> Iterator[torch.Tensor]:
    """Endless (batch_size, d_in) batches: shuffled passes over ``X``, remainders dropped."""
    n = X.shape[0]
    order, cursor = rng.permutation(n), 0
    while True:
        if cursor + batch_size > n:
            order, cursor = rng.permutation(n), 0
        idx = torch.as_tensor(order[cursor : cursor + batch_size], device=X.device)
        cursor += batch_size
        yield X[idx]


def train_with_sae_lens(
    X: np.ndarray,
    *,
    expansion_factor: int = 4,
    l1_coefficient: float = 2.0,
    lr: float = 5e-3,
    batch_size: int = 250,
    n_steps: int = 2000,
    random_state: int | None = None,
    device: str = "cpu",
) -> tuple[Dictionary, dict]:
    """Train a standard (ReLU + L1) SAE on embeddings with ``sae_lens.SAETrainer``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, d_in)
        Training embeddings, finite (float16 is read as float32).
    expansion_factor : int, default=4
        ``d_sae = expansion_factor * d_in`` atoms.
    l1_coefficient : float, default=2.0
        L1 penalty (weighted by decoder-row norms, as SAE-Lens does) on inputs rescaled to
        mean norm ``sqrt(d_in)``; warms up linearly over the first 10% of the steps.
    lr : float, default=5e-3
        Adam learning rate: linear warm-up over the first 10% of the steps, constant, then a
        linear decay to zero over the last 30%.
    batch_size : int, default=250
        Inputs per step (at most ``n_samples``).
    n_steps : int, default=2000
        Optimisation steps; SAE-Lens trains on ``n_steps * batch_size`` samples.
    random_state : int, optional
        Seeds the weight initialisation and the batch order: the same seed on the same
        device gives identical weights. The global torch RNG is left untouched.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"auto"`` ...

    Returns
    -------
    dictionary : Dictionary
        ``dictionary.sae`` reads raw embeddings and has unit-norm decoder rows (atoms),
        shape (d_sae, d_in); on the CPU, in evaluation mode.
    report : dict
        ``steps``, ``seconds`` (norm estimate + training), ``explained_variance`` (on ``X``:
        ``1 - SSE / SST`` of the returned SAE's reconstruction), ``mean_l0``,
        ``dead_atoms`` (firing on no row of ``X``) and ``scaling_factor`` (input rescaling
        used in training, folded into the weights).

    Raises
    ------
    ImportError
        When sae_lens is not installed.
    ValueError
        Bad shapes, non-finite inputs or hyper-parameters.
    """
    try:
        from sae_lens.config import LoggingConfig, SAETrainerConfig
        from sae_lens.saes.standard_sae import StandardTrainingSAE, StandardTrainingSAEConfig
        from sae_lens.training.sae_trainer import SAETrainer
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc

    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"Training embeddings must be a non-empty 2-D array, got {X.shape}.")
    X = np.asarray(X, dtype=np.float32)
    if not np.isfinite(X).all():
        raise ValueError("Training embeddings contain NaN or infinite values.")
    for name, value in (("expansion_factor", expansion_factor), ("batch_size", batch_size),
                        ("n_steps", n_steps)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not lr > 0 or not l1_coefficient >= 0:
        raise ValueError(f"Need lr > 0 and l1_coefficient >= 0, got {lr}, {l1_coefficient}.")
    n, d_in = X.shape
    if batch_size > n:
        logger.warning("batch_size %d exceeds the %d inputs; using %d.", batch_size, n, n)
        batch_size = n
    dev = resolve_device(device)
    seed = resolve_seed(random_state)

    warmup = int(WARMUP_FRACTION * n_steps)
    warmup = warmup if warmup >= 2 else 0  # LinearLR needs total_iters = warmup - 1 >= 1
    sae_cfg = StandardTrainingSAEConfig(
        d_in=d_in, d_sae=expansion_factor * d_in, device="cpu",
        normalize_activations="expected_average_only_in",
        l1_coefficient=float(l1_coefficient), l1_warm_up_steps=warmup,
    )
    with torch.random.fork_rng(devices=[]):  # weights drawn on the CPU from our seed
        torch.manual_seed(seed)
        sae = StandardTrainingSAE(sae_cfg)
    sae.to(dev)
    trainer_cfg = SAETrainerConfig(
        total_training_samples=n_steps * batch_size, train_batch_size_samples=batch_size,
        lr=lr, lr_end=lr,  # "constant" keeps lr until the decay, which ends at zero
        lr_scheduler_name="constant", lr_warm_up_steps=warmup,
        lr_decay_steps=int(DECAY_FRACTION * n_steps), device=str(dev),
        n_checkpoints=0, checkpoint_path=None, save_final_checkpoint=False,
        logger=LoggingConfig(log_to_wandb=False),
        n_batches_for_norm_estimate=math.ceil(min(n, NORM_SAMPLES) / batch_size),
    )
    provider = _batches(torch.from_numpy(X).to(dev), batch_size, np.random.default_rng(seed))
    trainer = SAETrainer(cfg=trainer_cfg, sae=sae, data_provider=provider)

    started = time.perf_counter()
    # Estimated here (as fit() would) to record the factor: fit() folds it and forgets it.
    scaler = trainer.activation_scaler
    scaler.estimate_scaling_factor(d_in, provider, trainer_cfg.n_batches_for_norm_estimate)
    scaling_factor = float(scaler.scaling_factor)
    trained = trainer.fit()
    seconds = time.perf_counter() - started
    if trained.cfg.normalize_activations != "none":  # older versions left it unfolded
        trained.fold_activation_norm_scaling_factor(scaling_factor)
    trained.eval()

    dictionary = from_sae_lens(trained, fold_decoder_norm=True)
    ours = dictionary.sae
    # Both read raw embeddings: the reconstructions must agree.
    with torch.no_grad():
        probe = torch.from_numpy(X[: min(n, 512)])
        theirs_out = trained.decode(trained.encode(probe.to(dev))).cpu()
        gap = float((ours(probe) - theirs_out).abs().max())
    if not gap <= 1e-3 * max(1.0, float(probe.abs().max())):
        raise RuntimeError(f"The converted SAE does not reproduce SAE-Lens's output on raw "
                           f"inputs (max difference {gap:.3g}).")
    ev, l0, dead = reconstruction_stats(ours, X)
    report = {"steps": int(trainer.n_training_steps), "seconds": seconds,
              "explained_variance": ev, "mean_l0": l0, "dead_atoms": dead,
              "scaling_factor": scaling_factor}
    logger.info("SAE-Lens SAE trained: %d steps in %.1fs, explained variance %.3f, L0 %.1f, "
                "%d/%d dead atoms", report["steps"], seconds, ev, l0, dead, ours.d_sae)
    return dictionary, report
