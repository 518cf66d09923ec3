"""Loss and gradients of one SAE training step, computed by hand to exploit sparsity.

Only a few atoms fire per document (tens out of thousands), yet autograd would run the
decoder and both backward products as dense matrix products. Here the encoder forward pass is
the only dense product; everything downstream of the activation touches active entries only
(sparse CSR products through ``torch.sparse``): a CPU step is 2.6x faster than autograd at
50 active atoms of 1,536 (``benchmarks/experiments/sae_step_speed.py``). Early in training,
while most atoms fire, the dense formulas are cheaper and are used instead. Both give the gradients
autograd would.

The loss is ``mean_n ||x_hat - x||^2 + l1 * mean_n sum_k a_k`` with unit-norm decoder rows
(so the paper's decoder-norm-weighted L1 is the plain L1 of the activations).

A nested (Matryoshka) dictionary adds the reconstruction errors of its prefixes, as
SAE-Lens's ``matryoshka_batchtopk`` does: atoms ``0:m_1``, ``0:m_2`` ... ``0:d_sae`` each
reconstruct the input alone (Bussmann et al., 2025, "Learning Multi-Level Features with
Matryoshka Sparse Autoencoders"), so the first atoms hold the broad directions and the
later ones refine them (dense formulas only: the option is measured, not a default). The
whole dictionary's error keeps the weight it has in the plain loss. An atom of group ``t``
(between ``m_{t-1}`` and ``m_t``) is in every prefix from ``t`` on, so its gradients are
those of the plain loss with the error replaced by the sum of the errors of those prefixes.
"""

from __future__ import annotations

import warnings

import torch

from .model import SparseAutoencoder

#: Above this fraction of active entries the dense formulas are faster.
DENSE_ABOVE = 0.15


def loss_and_gradients(sae: SparseAutoencoder, x: torch.Tensor, l1: float,
                       prefixes: tuple[int, ...] = ()) -> torch.Tensor:
    """Compute the training loss on a batch and store parameter gradients in ``.grad``.

    Parameters
    ----------
    sae : SparseAutoencoder
        An SAE of a trainable architecture (``standard``, ``topk`` ...: activations equal
        to the pre-activations where non-zero) with ``input_scale`` 1 (``x`` is already
        scaled).
    x : Tensor of shape (n, d_in)
        The (scaled) batch.
    l1 : float
        L1 coefficient for this step (the architecture's ``training_l1``; 0 for TopK).
    prefixes : tuple of int
        Sizes of the nested prefixes below ``d_sae``, increasing (empty: the plain loss).

    Returns
    -------
    Tensor
        The scalar loss (detached).
    """
    n = x.shape[0]
    W_enc, b_enc, W_dec, b_dec = sae.W_enc.data, sae.b_enc.data, sae.W_dec.data, sae.b_dec.data
    xc = x - b_dec if sae.config.apply_b_dec_to_input else x
    acts = sae.activate(torch.addmm(b_enc, xc, W_enc))
    if prefixes:
        return _nested(sae, x, xc, acts, l1, prefixes)
    rows, cols = acts.nonzero(as_tuple=True)
    values = acts[rows, cols]

    if rows.numel() > DENSE_ABOVE * acts.numel():
        recon = torch.addmm(b_dec, acts, W_dec)
        err = recon - x
        g = err * (2.0 / n)
        grad_W_dec = acts.T @ g
        grad_pre = torch.zeros_like(acts)
        grad_pre[rows, cols] = (g @ W_dec.T)[rows, cols] + l1 / n
        grad_W_enc = xc.T @ grad_pre
        grad_b_enc = grad_pre.sum(dim=0)
    else:
        d_sae = acts.shape[1]
        crow = torch.zeros(n + 1, dtype=torch.int64, device=x.device)
        crow[1:] = torch.cumsum(torch.bincount(rows, minlength=n), 0)
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            A = torch.sparse_csr_tensor(crow, cols, values, size=acts.shape)
        # The transpose (atoms x documents) in CSR form, for the products that sum over
        # documents: same entries, ordered by atom.
        order = torch.argsort(cols, stable=True)
        crow_t = torch.zeros(d_sae + 1, dtype=torch.int64, device=x.device)
        crow_t[1:] = torch.cumsum(torch.bincount(cols, minlength=d_sae), 0)
        rows_t = rows[order]

        def transposed(vals: torch.Tensor) -> torch.Tensor:
            return torch.sparse_csr_tensor(crow_t, rows_t, vals[order], size=(d_sae, n))

        recon = torch.sparse.mm(A, W_dec) + b_dec
        err = recon - x
        g = err * (2.0 / n)
        grad_W_dec = torch.sparse.mm(transposed(values), g)
        # d loss / d activation at the active entries only: ReLU / TopK pass no gradient
        # to the others.
        sampled = torch.sparse.sampled_addmm(A, g, W_dec.T, beta=0.0)
        grad_values = sampled.values() + l1 / n
        grad_W_enc = torch.sparse.mm(transposed(grad_values), xc).T
        grad_b_enc = torch.zeros(d_sae, dtype=x.dtype, device=x.device).index_add_(
            0, cols, grad_values
        )

    _store(sae, grad_W_enc, grad_b_enc,
           grad_W_dec.to_dense() if grad_W_dec.is_sparse else grad_W_dec, g.sum(dim=0))
    return err.pow(2).sum(dim=1).mean() + l1 * values.sum() / n


def _nested(sae: SparseAutoencoder, x: torch.Tensor, xc: torch.Tensor, acts: torch.Tensor,
            l1: float, prefixes: tuple[int, ...]) -> torch.Tensor:
    """The Matryoshka loss (the sum of the prefixes' squared errors) and its gradients, by
    the dense formulas."""
    n, d_sae = acts.shape
    W_dec = sae.W_dec.data
    bounds = (0, *prefixes, d_sae)
    groups = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    errors, err = [], sae.b_dec.data - x
    for group in groups:  # the error of each prefix, from the first group up
        err = err + acts[:, group] @ W_dec[group]
        errors.append(err)
    grad_W_dec = torch.empty_like(W_dec)
    grad_pre = torch.empty_like(acts)
    g = torch.zeros_like(x)
    for group, err in zip(reversed(groups), reversed(errors), strict=True):
        g = g + err * (2.0 / n)  # the errors of every prefix holding the group
        grad_W_dec[group] = acts[:, group].T @ g
        grad_pre[:, group] = (g @ W_dec[group].T + l1 / n) * (acts[:, group] != 0)
    _store(sae, xc.T @ grad_pre, grad_pre.sum(dim=0), grad_W_dec, g.sum(dim=0))
    return sum(err.pow(2).sum(dim=1).mean() for err in errors) + l1 * acts.sum() / n


def _store(sae: SparseAutoencoder, grad_W_enc, grad_b_enc, grad_W_dec, grad_b_dec) -> None:
    # xc = x - b_dec, so the encoder's share of b_dec's gradient is -W_enc @ grad_b_enc.
    if sae.config.apply_b_dec_to_input:
        grad_b_dec = grad_b_dec - sae.W_enc.data @ grad_b_enc
    sae.W_enc.grad = grad_W_enc.contiguous()
    sae.b_enc.grad = grad_b_enc
    sae.W_dec.grad = grad_W_dec
    sae.b_dec.grad = grad_b_dec
