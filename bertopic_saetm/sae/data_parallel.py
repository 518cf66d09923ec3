"""Data-parallel SAE training over processes that torch.distributed has joined.

Each process (a rank: one ``torchrun`` process, one GPU, one machine) draws the same
minibatch indices from the same seed and reads only its contiguous share of every batch;
after each backward pass the gradients are averaged over the ranks with an all-reduce, so
every rank takes the same Adam step, and the loss the plateau rule watches is the
all-reduced mean, so every rank stops at the same step. Because the gradients are a mean
over the batch, the average of the ranks' shares is the gradient of the whole batch: the
ranks train the SAE one process would (to float rounding), at a share of the reads and of
the arithmetic each.

This is what ``torch.nn.parallel.DistributedDataParallel`` does for modules trained by
autograd; the SAE's gradients are written by hand (:mod:`bertopic_saetm.sae.gradients`), so
the all-reduce is called directly.

Usage, in every rank after ``torch.distributed.init_process_group``::

    sae, report = train_sae(embeddings, config, random_state=0, parallel=DataParallel())
"""

from __future__ import annotations

import numpy as np
import torch


class DataParallel:
    """The ranks of a torch.distributed process group, sharing every SAE training batch.

    Parameters
    ----------
    group : torch.distributed.ProcessGroup, optional
        Default: the default group (``init_process_group`` must have run).

    Raises
    ------
    RuntimeError
        When torch.distributed is not initialised.
    """

    def __init__(self, group=None):
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError("DataParallel needs torch.distributed initialised in every rank "
                               "(torch.distributed.init_process_group, e.g. under torchrun).")
        self._dist = dist
        self.group = group
        self.rank = dist.get_rank(group)
        self.world_size = dist.get_world_size(group)

    def check_batch_size(self, batch_size: int) -> None:
        """Refuse a batch the ranks cannot share equally (their mean gradients would then
        not average to the batch's)."""
        if batch_size % self.world_size:
            raise ValueError(f"batch_size={batch_size} is not a multiple of the "
                             f"{self.world_size} ranks training the SAE.")

    def share(self, indices: np.ndarray) -> np.ndarray:
        """This rank's contiguous part of a batch's row indices."""
        size = len(indices) // self.world_size
        return indices[self.rank * size:(self.rank + 1) * size]

    def average_gradients(self, parameters) -> None:
        """Replace every parameter's gradient by its mean over the ranks."""
        for parameter in parameters:
            if parameter.grad is not None:
                self._dist.all_reduce(parameter.grad, group=self.group)
                parameter.grad.div_(self.world_size)

    def average(self, value: float) -> float:
        """Mean of a number over the ranks (every rank gets it)."""
        tensor = torch.tensor([value], dtype=torch.float64)
        self._dist.all_reduce(tensor, group=self.group)
        return float(tensor[0]) / self.world_size
