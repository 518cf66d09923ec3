"""Configuration dataclasses for sparse autoencoders and their training."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from numbers import Real

from .architectures import architecture_names, get_architecture, trainable_architecture_names


def __getattr__(name: str):
    # ARCHITECTURES and TRAINABLE_ARCHITECTURES were constants in 0.1.0; computed on access
    # they also list architectures registered since import.
    if name == "ARCHITECTURES":
        return architecture_names()
    if name == "TRAINABLE_ARCHITECTURES":
        return trainable_architecture_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Atoms per square root of the corpus size in :func:`auto_n_atoms` (measured in
#: ``benchmarks/dictionary_size.py``).
ATOMS_PER_SQRT_DOCUMENT = 3.0
#: Atoms per topic a dictionary sized for ``max_topics`` gets: about two thirds of a
#: corpus-trained dictionary's atoms are content atoms, the ones topics are made of (.64-.71
#: on 20 Newsgroups, the bundled corpus and Simple Wikipedia leads, 128 to 1,536 atoms;
#: ``docs/decisions/dictionary_size.md``).
ATOMS_PER_TOPIC = 1.6
#: Fewest documents per topic a dictionary is sized for: ``max_topics`` is capped at
#: ``n / DOCUMENTS_PER_TOPIC``.
DOCUMENTS_PER_TOPIC = 5


def auto_n_atoms(n_samples: int, d_in: int) -> int:
    """Dictionary size suited to a corpus: ``3 sqrt(n)`` atoms, in steps of 64.

    Clipped to ``[64, 4 d_in]`` (the paper's 4 x d is the ceiling). A corpus of 1,600
    documents gets 128 atoms, 20 Newsgroups (18,846) 384, 200,000 documents and more the
    paper's 1,536 for 384-d embeddings.

    Parameters
    ----------
    n_samples : int
        Training inputs (documents).
    d_in : int
        Embedding width.

    Returns
    -------
    int
    """
    atoms = 64 * round(ATOMS_PER_SQRT_DOCUMENT * math.sqrt(max(n_samples, 1)) / 64)
    return int(min(max(atoms, 64), 4 * d_in))


@dataclass(frozen=True)
class SAEConfig:
    """Shape and inference behaviour of a sparse autoencoder.

    Mirrors the fields SAE-Lens stores in ``cfg.json`` so that a dictionary moves between
    the two libraries without loss.

    Parameters
    ----------
    d_in : int
        Width of the embeddings the SAE reads.
    d_sae : int
        Number of atoms (dictionary size).
    architecture : str
        A registered architecture (:func:`~bertopic_saetm.sae.architectures.architecture_names`):
        built in are ``standard`` (ReLU), ``topk`` (keeps the ``k`` largest activations) and
        ``jumprelu`` (zeroes activations at or below a learned per-atom threshold).
    k : int or None
        Active atoms per input for ``topk`` (and architectures that use it); ignored
        otherwise.
    apply_b_dec_to_input : bool
        Subtract the decoder bias from the input before encoding (the shared pre-bias).
    metadata : dict
        Free-form provenance (model name, hook name, context size ...), kept verbatim.
    """

    d_in: int
    d_sae: int
    architecture: str = "standard"
    k: int | None = None
    apply_b_dec_to_input: bool = True
    metadata: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        architecture = get_architecture(self.architecture)  # ValueError naming the known ones
        if self.d_in < 1 or self.d_sae < 1:
            raise ValueError(f"d_in and d_sae must be positive, got {self.d_in}, {self.d_sae}.")
        architecture.validate(self)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SAETrainingConfig:
    """How to train an SAE on document embeddings.

    Defaults follow the SAE-TM paper (ReLU, L1 2, expansion 4, Adam, warm-ups) except where a
    measurement argued otherwise (``benchmarks/experiments/sae_schedules.py``): batch 250 with
    lr 5e-3 and a final anneal instead of batch 1000 with lr 1e-3, and a step plan with a plateau
    criterion instead of a fixed 50k steps.

    Parameters
    ----------
    architecture : str
        A registered trainable architecture
        (:func:`~bertopic_saetm.sae.architectures.trainable_architecture_names`).
        ``standard``: ReLU with an L1 penalty (the paper). ``topk``: exactly ``k`` atoms per
        document, no L1 penalty.
    n_atoms : int or None
        Dictionary size. None (default) sizes it to the corpus with :func:`auto_n_atoms`
        (times ``atoms_scale``) unless ``expansion_factor`` is given.
    atoms_scale : float
        Multiplies the corpus-sized dictionary (the result clipped to ``[64, 4 d_in]``);
        only with ``n_atoms`` and ``expansion_factor`` left at None. :meth:`sparser` uses 2.
    max_topics : int or None
        Size the dictionary so that one fit can give up to this many topics through
        ``set_n_topics`` (capped at ``n / 5``): at least :data:`ATOMS_PER_TOPIC` atoms a topic,
        more if the corpus-sized rule gives more, at most ``4 d_in``. None (default): the
        corpus-sized dictionary alone, which gives about ``2 sqrt(n)`` topics at most.
        Measured (``docs/decisions/dictionary_size.md``): reaches K = 500 on 20 Newsgroups
        and Simple Wikipedia leads and n / 5 on the bundled corpus, at the cost of a 1.3-1.8x
        slower fit and, on the bundled corpus, less coherent topics at small K; only with
        ``n_atoms`` and ``expansion_factor`` left at None.
    expansion_factor : int or None
        Atoms per input dimension: ``d_sae = expansion_factor * d_in`` (the paper: 4, see
        :meth:`paper`). Give at most one of ``n_atoms`` and ``expansion_factor``.
    l1_coefficient : float
        Weight of the L1 penalty on activations (unit-norm atoms, inputs rescaled to mean norm
        ``sqrt(d_in)``).
    k : int
        Active atoms per document for ``topk``.
    learning_rate : float
        Adam learning rate.
    batch_size : int
        Documents per optimisation step.
    warmup_fraction : float
        Fraction of the planned steps over which the learning rate and the L1 coefficient
        rise linearly from zero.
    target_epochs : float
        Passes over the data the step plan aims for; the plan is clipped to
        ``[min_steps, max_steps]``. Training may stop earlier on convergence, but not in
        the plan's first half.
    min_steps, max_steps : int
        Bounds of the step plan.
    tol : float
        Convergence: once (past half the plan) the mean loss over one pass through the data
        improves on the previous pass by less than this fraction, the learning rate anneals
        and training stops.
    check_every : int
        Shortest window (in steps) for the convergence check; the window is one pass through
        the data, between ``check_every`` and ``20 * check_every`` steps.
    decay_fraction : float
        The learning rate anneals linearly to zero over this fraction of the steps, at the end
        of the plan or right after the loss plateaus.
    matryoshka : tuple of float
        Nested dictionary (Matryoshka SAE): the fractions of the dictionary at which prefixes
        end that are trained to reconstruct the input alone, increasing, each in (0, 1); the
        whole dictionary is always the last. ``(0.25, 0.5)`` trains atoms ``0:d/4``,
        ``0:d/2`` and ``0:d`` on the sum of their three reconstruction errors (SAE-Lens's
        Matryoshka loss), so the first atoms hold the broad directions. Empty (default): the
        plain loss. Measured, not adopted: ``docs/decisions/dictionary_size.md``.
    kmeans_init : float
        Share of the atoms that start at the directions of k-means centres of the (centred)
        training documents; the others start at random unit directions, as in the paper.
        Measured at 0.5 (README "Atoms started at document clusters"): purer main topics and
        more even topic sizes at large K on 20 Newsgroups, less coherent topics at small K
        on both corpora tried, hence 0 by default.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...
    n_workers : int
        In a fit on a Dask cluster: how many Dask workers train the SAE together, one
        torch.distributed rank each (:mod:`bertopic_saetm.sae.data_parallel`), each reading
        its share of every batch; 0 (the default) trains it on the driver. In-process fits
        ignore it.
    """

    architecture: str = "standard"
    n_atoms: int | None = None
    expansion_factor: int | None = None
    atoms_scale: float = 1.0
    max_topics: int | None = None
    l1_coefficient: float = 2.0
    k: int = 32
    learning_rate: float = 5e-3
    batch_size: int = 250
    warmup_fraction: float = 0.1
    target_epochs: float = 10.0
    min_steps: int = 300
    max_steps: int = 50_000
    tol: float = 5e-3
    check_every: int = 50
    decay_fraction: float = 0.3
    matryoshka: tuple[float, ...] = ()
    kmeans_init: float = 0.0
    device: str = "auto"
    n_workers: int = 0

    def __post_init__(self):
        architecture = get_architecture(self.architecture)  # ValueError naming the known ones
        if not architecture.trainable:
            raise ValueError(
                f"Cannot train architecture {self.architecture!r}; "
                f"choose one of {trainable_architecture_names()}."
            )
        architecture.validate_training(self)
        if self.n_atoms is not None and self.expansion_factor is not None:
            raise ValueError("Give n_atoms or expansion_factor, not both "
                             f"(got {self.n_atoms} and {self.expansion_factor}).")
        if not self.atoms_scale > 0:
            raise ValueError(f"atoms_scale must be positive, got {self.atoms_scale!r}.")
        if self.atoms_scale != 1 and (self.n_atoms is not None
                                      or self.expansion_factor is not None):
            raise ValueError("atoms_scale scales the corpus-sized dictionary; it cannot be "
                             "combined with n_atoms or expansion_factor.")
        if self.max_topics is not None and (self.n_atoms is not None
                                            or self.expansion_factor is not None):
            raise ValueError("max_topics sizes the corpus-sized dictionary; it cannot be "
                             "combined with n_atoms or expansion_factor.")
        for name in ("n_atoms", "expansion_factor", "max_topics", "batch_size", "min_steps",
                     "max_steps", "check_every"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or int(value) != value
                                      or int(value) < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if isinstance(self.n_workers, bool) or int(self.n_workers) != self.n_workers \
                or self.n_workers < 0:
            raise ValueError(f"n_workers must be a non-negative integer, got {self.n_workers!r}.")
        if self.min_steps > self.max_steps:
            raise ValueError(f"min_steps ({self.min_steps}) exceeds max_steps ({self.max_steps}).")
        for name in ("l1_coefficient", "learning_rate", "target_epochs", "tol"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be non-negative, got {getattr(self, name)}.")
        if not 0 <= self.decay_fraction < 1:
            raise ValueError(f"decay_fraction must be in [0, 1), got {self.decay_fraction}.")
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}.")
        try:  # a list from JSON is kept as a tuple (the config is frozen and hashable)
            fractions = tuple(float(f) for f in self.matryoshka)
        except (TypeError, ValueError):
            raise ValueError("matryoshka must be a sequence of fractions, got "
                             f"{self.matryoshka!r}.") from None
        if any(not 0 < f < 1 for f in fractions) or any(
                a >= b for a, b in zip(fractions[:-1], fractions[1:], strict=True)):
            raise ValueError("matryoshka must be increasing fractions in (0, 1), got "
                             f"{self.matryoshka!r}.")
        object.__setattr__(self, "matryoshka", fractions)
        if (isinstance(self.kmeans_init, bool) or not isinstance(self.kmeans_init, Real)
                or not 0 <= self.kmeans_init <= 1):
            raise ValueError(f"kmeans_init must be in [0, 1], got {self.kmeans_init!r}.")

    @classmethod
    def paper(cls, **overrides) -> SAETrainingConfig:
        """The SAE-TM paper's setup: ``4 x d_in`` atoms whatever the corpus size, a 30-epoch
        step plan (this package's defaults before the dictionary was sized to the corpus)."""
        return cls(**{"expansion_factor": 4, "target_epochs": 30.0, **overrides})

    @classmethod
    def sparser(cls, **overrides) -> SAETrainingConfig:
        """Twice the corpus-sized dictionary and L1 3: finer, sparser atoms.

        Each atom heads a purer group of documents, so main topics come closer to a
        document clustering, at the cost of some coherence at small K and a slower SAE.
        Measured with ``benchmarks/dictionary_size.py`` (3 seeds, README "What did not help
        either", fourth session of 2026-12-02): on 20 Newsgroups (768 atoms) main-topic
        purity .561 / .586 / .585 / .597 at K = 20 / 50 / 100 / 200 against .515 / .575 /
        .568 / .574 for the default, NPMI .173 / .150 / .139 / .112 against .193 / .164 /
        .148 / .111, SAE stage 5.3-6.5 s against 3.7 s; on the bundled corpus (256 atoms) purity
        .624 / .657 against .609 / .661 at K = 15 / 30, NPMI .075 / .086 against .110 /
        .073.
        """
        return cls(**{"atoms_scale": 2.0, "l1_coefficient": 3.0, **overrides})

    def atoms_for(self, n_samples: int, d_in: int) -> int:
        """Dictionary size for ``n_samples`` training inputs of width ``d_in``."""
        if self.n_atoms is not None:
            return int(self.n_atoms)
        if self.expansion_factor is not None:
            return int(self.expansion_factor) * d_in
        atoms = round(self.atoms_scale * auto_n_atoms(n_samples, d_in))
        if self.max_topics is not None:
            topics = min(int(self.max_topics), n_samples // DOCUMENTS_PER_TOPIC)
            atoms = max(atoms, 64 * math.ceil(ATOMS_PER_TOPIC * topics / 64))
        return int(min(max(atoms, 64), 4 * d_in))

    def prefix_sizes(self, d_sae: int) -> tuple[int, ...]:
        """Atoms in each nested prefix below ``d_sae`` (:attr:`matryoshka`), increasing."""
        sizes = sorted({round(f * d_sae) for f in self.matryoshka} - {0, d_sae})
        return tuple(int(m) for m in sizes)

    def for_topics(self, n_topics: int) -> SAETrainingConfig:
        """This config with its dictionary sized for ``n_topics`` topics as well (see
        ``max_topics``); itself when its size is fixed (``n_atoms``, ``expansion_factor``)
        or already sized for as many."""
        if (self.n_atoms is not None or self.expansion_factor is not None
                or (self.max_topics or 0) >= n_topics):
            return self
        return replace(self, max_topics=int(n_topics))

    def to_dict(self) -> dict:
        return asdict(self)
