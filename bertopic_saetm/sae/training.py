"""Training a sparse autoencoder on document embeddings (the SAE-TM paper's recipe).

ReLU SAE with an L1 penalty (or TopK, or any registered trainable architecture), unit-norm
decoder rows, one shared pre-bias, Adam, linear warm-up of learning rate and L1 coefficient.
Instead of a fixed 50k steps the number of steps is planned from the data size and training
stops once the loss plateaus; a run cut short by ``max_steps`` before that warns
(:class:`~sklearn.exceptions.ConvergenceWarning`).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import torch
from sklearn.cluster import MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from .architectures import get_architecture
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


def resolve_seed(random_state: int | None) -> int:
    """The integer seed of a run: ``random_state`` itself, or a fresh one when it is None."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    return int(random_state)


def _check_training_input(X: np.ndarray) -> None:
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"Training embeddings must be a non-empty 2-D array, got {X.shape}.")
    for start in range(0, X.shape[0], 1 << 16):
        if not np.isfinite(X[start : start + (1 << 16)]).all():
            raise ValueError("Training embeddings contain NaN or infinite values.")


def _initialised_sae(X: np.ndarray, config: SAETrainingConfig, scale: float,
                     rng: np.random.Generator, gen: torch.Generator) -> SparseAutoencoder:
    """A new SAE with unit atoms, a tied encoder and the pre-bias at the data mean.

    ``config.kmeans_init`` of the atoms start at k-means centres of the documents
    (:func:`kmeans_directions`), the others at random directions. Initialising atoms at
    single documents converged more slowly in our runs. The SAE trains on scaled inputs
    (input_scale 1 inside the loop); the scale is folded in afterwards.
    """
    n, d_in = X.shape
    sae = SparseAutoencoder(SAEConfig(
        d_in=d_in,
        d_sae=config.atoms_for(n, d_in),
        architecture=config.architecture,
        **get_architecture(config.architecture).config_fields(config),  # TopK: k
    ))
    sample = np.asarray(X[np.sort(rng.choice(n, min(n, 50_000), replace=False))], np.float64)
    mean = sample.mean(axis=0) * scale
    w = torch.randn(sae.d_sae, sae.d_in, generator=gen, device="cpu")
    w /= w.norm(dim=1, keepdim=True)
    n_clustered = min(round(config.kmeans_init * sae.d_sae), len(sample))
    if n_clustered > 0:
        # Drawn only when used, so that kmeans_init=0 keeps the paper's random start (and
        # the batch order) exactly.
        seed = int(rng.integers(2**31))
        centres = torch.as_tensor(kmeans_directions(sample * scale - mean, n_clustered, seed),
                                  dtype=w.dtype)
        found = centres.norm(dim=1) > 0  # a centre at the mean has no direction
        w[:n_clustered][found] = centres[found]
    with torch.no_grad():
        sae.W_dec.copy_(w)
        # Tied initialisation: each atom starts out reading its own direction.
        sae.W_enc.copy_(w.T)
        sae.b_enc.zero_()
        sae.b_dec.copy_(torch.as_tensor(mean, dtype=torch.float32))
    return sae


def kmeans_directions(X: np.ndarray, n_clusters: int, seed: int) -> np.ndarray:
    """Unit directions of the k-means centres of ``X``, ndarray of shape (n_clusters, d).

    Parameters
    ----------
    X : ndarray of shape (n_samples, d)
        Centred inputs (``n_samples >= n_clusters``).
    n_clusters : int
    seed : int
        Seeds k-means++ and the minibatches.

    Returns
    -------
    ndarray of shape (n_clusters, d)
        Zero rows where a centre sits at the origin (duplicated or degenerate inputs).
    """
    # Minibatch k-means, stopped early after a few passes: the start need not be exact,
    # training moves the atoms anyway.
    centres = MiniBatchKMeans(n_clusters, n_init=1, batch_size=2048, random_state=seed
                              ).fit(X).cluster_centers_
    lengths = np.linalg.norm(centres, axis=1, keepdims=True)
    return np.divide(centres, lengths, out=np.zeros_like(centres), where=lengths > 0)


class _Batches:
    """Minibatches of rows in random order; reshuffled when a batch would run past the end.

    In-memory inputs are copied to the device once; a memory map is read batch by batch
    (rows in ascending order, which reads the file sequentially); a row source
    (``read_rows(indices)``) is asked for each batch.
    """

    def __init__(self, X: np.ndarray, batch_size: int, rng: np.random.Generator,
                 device: torch.device, parallel=None):
        self.X, self.batch_size, self.rng, self.device = X, batch_size, rng, device
        # Data-parallel ranks draw the same indices and read their share of them.
        self.share = parallel.share if parallel is not None else (lambda idx: idx)
        self.on_device = None
        # A row source (an object with read_rows, e.g. the rows of a Dask array) hands over
        # each batch's rows in the batch's own order, as the in-memory path takes them, so
        # that a fit from it is the in-memory fit.
        self.read_rows = getattr(X, "read_rows", None)
        if not isinstance(X, np.memmap) and self.read_rows is None:
            X_np = np.asarray(X, dtype=np.float32)
            # torch cannot share read-only memory (e.g. a view of a read-only memory map).
            self.on_device = torch.as_tensor(X_np if X_np.flags.writeable else X_np.copy(),
                                             device=device)
        self.order = rng.permutation(X.shape[0])
        self.cursor = 0

    def next(self) -> torch.Tensor:
        """The next batch, tensor of shape (batch_size, d_in) on the device."""
        n = self.X.shape[0]
        if self.cursor + self.batch_size > n:
            self.order, self.cursor = self.rng.permutation(n), 0
        idx = self.share(self.order[self.cursor : self.cursor + self.batch_size])
        self.cursor += self.batch_size
        if self.on_device is not None:
            return self.on_device[torch.as_tensor(idx, device=self.device)]
        if self.read_rows is not None:
            return torch.as_tensor(np.asarray(self.read_rows(idx), dtype=np.float32),
                                   device=self.device)
        return torch.as_tensor(np.asarray(self.X[np.sort(idx)], dtype=np.float32),
                               device=self.device)


class _Schedule:
    """Learning rate and L1 coefficient per step.

    Both rise linearly over the warm-up; the learning rate then stays constant and anneals
    linearly to zero, either where the step plan puts the anneal or, once the loss
    plateaus, right away (:meth:`anneal_from`).
    """

    def __init__(self, n_samples: int, config: SAETrainingConfig):
        self.planned = plan_steps(n_samples, config)
        self.warmup = max(1, int(config.warmup_fraction * self.planned))
        self.decay_fraction = config.decay_fraction
        self.decay_start = self.planned - int(config.decay_fraction * self.planned)
        self.stop_at = self.planned

    def lr_factor(self, step: int) -> float:
        if step <= self.warmup:
            return step / self.warmup
        if step <= self.decay_start:
            return 1.0
        return max(0.0, (self.stop_at - step + 1) / max(1, self.stop_at - self.decay_start))

    def l1_factor(self, step: int) -> float:
        return min(1.0, step / self.warmup)

    def may_stop_early(self, step: int) -> bool:
        """Whether a plateau at ``step`` ends training (in the plan's second half, before the
        anneal).

        The first half always runs: stopping at the first plateau after the warm-up left
        small dictionaries under-trained (20 Newsgroups, 384 atoms: 395 of 2,262 planned
        steps, NPMI at K = 20 .091 against .135 after the 754 steps of a 10-epoch plan).
        """
        return max(self.warmup, self.planned // 2) < step < self.decay_start

    def anneal_from(self, step: int) -> None:
        self.decay_start = step
        self.stop_at = min(self.planned, step + max(1, int(self.decay_fraction * step)))


class _LossWindows:
    """Mean loss over windows of steps, compared window to window to detect a plateau.

    Windows are whole passes over the data (bounded to a sensible range of steps), so that
    minibatch noise does not masquerade as a plateau. The objective keeps moving while the
    L1 coefficient warms up, so windows ending in the warm-up are not compared.
    """

    def __init__(self, n_samples: int, batch_size: int, config: SAETrainingConfig):
        self.size = int(min(max(config.check_every, math.ceil(n_samples / batch_size)),
                            20 * config.check_every))
        self.tol = config.tol
        self.losses: list[float] = []
        self.previous = math.inf
        self.mean = math.nan
        #: ``(previous - current) / |previous|`` at the last comparison of two windows (None
        #: before the first); what the plateau test compares with ``tol``.
        self.last_improvement: float | None = None

    def add(self, loss: float, warmed_up: bool) -> bool:
        """Record a step's loss; True when it closes a window that improved by under tol."""
        self.losses.append(loss)
        if len(self.losses) < self.size:
            return False
        current = float(np.mean(self.losses))
        self.losses.clear()
        self.mean = current
        plateau = self.previous - current < self.tol * abs(self.previous)
        if math.isfinite(self.previous):  # reported only; the test above decides
            self.last_improvement = ((self.previous - current) / abs(self.previous)
                                     if self.previous else 0.0)
        self.previous = current if warmed_up else math.inf
        return plateau


def _project_decoder_grad(W_dec: torch.nn.Parameter) -> None:
    # Remove the gradient component parallel to each (unit) atom: the step then moves
    # atoms along the sphere and renormalising afterwards changes them only slightly.
    if W_dec.grad is not None:
        parallel = (W_dec.grad * W_dec.data).sum(dim=1, keepdim=True)
        W_dec.grad.sub_(parallel * W_dec.data)


def _adam_step(sae: SparseAutoencoder, optimizer: torch.optim.Optimizer, batch: torch.Tensor,
               l1: float, parallel=None, prefixes: tuple[int, ...] = ()) -> float:
    """One step on a (scaled) batch with the hand-written gradients; returns the loss
    (averaged over the ranks of ``parallel``, whose gradients are averaged too)."""
    optimizer.zero_grad(set_to_none=True)
    loss = float(loss_and_gradients(sae, batch, l1, prefixes).detach())
    if parallel is not None:
        parallel.average_gradients(sae.parameters())
        loss = parallel.average(loss)
    _project_decoder_grad(sae.W_dec)
    optimizer.step()
    with torch.no_grad():
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-8))
    return loss


def _optimise(sae: SparseAutoencoder, batches: _Batches, scale: float,
              config: SAETrainingConfig, verbose: bool, parallel=None
              ) -> tuple[int, int, bool, _LossWindows]:
    """Run the Adam loop until the (possibly shortened) plan ends.

    Returns
    -------
    steps, planned_steps : int
    converged : bool
    windows : _LossWindows
        The loss windows: ``mean`` of the last complete one, ``last_improvement``.
    """
    n = batches.X.shape[0]
    schedule = _Schedule(n, config)
    windows = _LossWindows(n, batches.batch_size, config)
    l1 = get_architecture(config.architecture).training_l1(config)  # standard: l1_coefficient
    prefixes = config.prefix_sizes(sae.d_sae)  # a nested (Matryoshka) dictionary's
    optimizer = torch.optim.Adam(sae.parameters(), lr=config.learning_rate)
    converged = False
    progress = tqdm(total=schedule.planned, desc="Training SAE", disable=not verbose,
                    leave=False)
    step = 0
    while step < schedule.stop_at:
        step += 1
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * schedule.lr_factor(step)
        batch = batches.next()
        loss = _adam_step(sae, optimizer, batch * scale, l1 * schedule.l1_factor(step),
                          parallel, prefixes)
        plateau = windows.add(loss, warmed_up=step > schedule.warmup)
        if not windows.losses:  # a window just closed
            progress.set_postfix(loss=f"{windows.mean:.4g}")
        if plateau and schedule.may_stop_early(step):
            converged = True
            schedule.anneal_from(step)
            progress.total = schedule.stop_at
        if step % 10 == 0:
            progress.update(step - progress.n)
    progress.close()
    return step, schedule.planned, converged, windows


def not_converged_message(steps: int, config: SAETrainingConfig, window: int,
                          last_improvement: float | None) -> str:
    """Text of the ConvergenceWarning for a run that ``max_steps`` stopped before a plateau.

    Parameters
    ----------
    steps : int
        Steps taken (``config.max_steps``).
    config : SAETrainingConfig
    window : int
        Steps per loss window (the plateau test compares consecutive windows).
    last_improvement : float or None
        Relative improvement of the mean loss between the last two windows, None when no
        two windows after the warm-up were compared.
    """
    if last_improvement is None:
        detail = (f"no two {window}-step loss windows after the warm-up were compared, so the "
                  f"plateau test (relative improvement under tol={config.tol:g}) never ran")
    elif last_improvement >= config.tol:
        detail = (f"the mean loss of the last {window}-step window improved on the window "
                  f"before by {last_improvement:.3g} (relative), not yet under the plateau "
                  f"tolerance tol={config.tol:g}")
    else:
        # The plateau came where it does not end training (the plan's first half, or the
        # final anneal already under way).
        detail = (f"the last relative improvement of the mean loss ({last_improvement:.3g}, "
                  f"over {window}-step windows) fell under tol={config.tol:g} only outside "
                  "the part of the plan where a plateau stops training (after its first half, "
                  "before the final anneal)")
    return (f"SAE training stopped at max_steps={config.max_steps} ({steps} steps) without "
            f"converging: {detail}. Raise max_steps (SAETrainingConfig; SAETopicModel's "
            "sae_config) to let it converge.")


def train_sae(
    X: np.ndarray,
    config: SAETrainingConfig | None = None,
    random_state: int | None = None,
    verbose: bool = False,
    parallel=None,
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
    parallel : DataParallel, optional
        Train as one of the ranks of a torch.distributed group
        (:mod:`bertopic_saetm.sae.data_parallel`): every rank passes the same ``X``, config
        and seed, reads its share of each batch, and ends with the same weights.

    Returns
    -------
    sae : SparseAutoencoder
        Trained SAE on the CPU, its input scale folded into the weights (it reads raw
        embeddings), in evaluation mode.
    report : SAETrainingReport

    Warns
    -----
    ConvergenceWarning
        When ``config.max_steps`` capped the step plan and training ran to its end without
        the loss plateauing (``report.converged`` False); the message gives the last
        relative improvement of the loss against ``tol``. Runs whose plan ends before
        ``max_steps`` (``target_epochs`` done) do not warn.
    """
    config = config or SAETrainingConfig()
    _check_training_input(X)
    device = resolve_device(config.device)
    seed = resolve_seed(random_state)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    rng = np.random.default_rng(seed)
    batch_size = min(config.batch_size, X.shape[0])
    if parallel is not None:
        parallel.check_batch_size(batch_size)
    scale = input_scale_for(X, seed=seed)
    sae = _initialised_sae(X, config, scale, rng, gen).to(device)
    batches = _Batches(X, batch_size, rng, device, parallel)

    started = time.perf_counter()
    steps, planned, converged, windows = _optimise(sae, batches, scale, config, verbose,
                                                   parallel)
    seconds = time.perf_counter() - started

    sae.eval()
    for p in sae.parameters():
        p.requires_grad_(False)
    sae.input_scale = scale
    ev, l0, dead = reconstruction_stats(sae, X)
    sae.to("cpu")
    sae.fold_input_scale()
    report = SAETrainingReport(
        steps=steps, planned_steps=planned, converged=converged, seconds=seconds,
        final_loss=windows.mean, explained_variance=ev, mean_l0=l0, dead_atoms=dead,
        input_scale=scale, device=str(device),
    )
    logger.info(
        "SAE trained: %d steps (%s) in %.1fs, explained variance %.3f, L0 %.1f, %d/%d dead atoms",
        steps, "converged" if converged else "step plan", seconds, ev, l0, dead, sae.d_sae,
    )
    # The cap, not the plan's own length, ended training: more steps would have helped.
    if not converged and steps >= config.max_steps:
        warnings.warn(not_converged_message(steps, config, windows.size,
                                            windows.last_improvement),
                      ConvergenceWarning, stacklevel=2)
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
