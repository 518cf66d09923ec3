"""A sparse autoencoder over embeddings, in SAE-Lens's parameterisation.

``W_enc`` has shape (d_in, d_sae), ``W_dec`` (d_sae, d_in): the atoms are the rows of
``W_dec``. Encoding is ``act((x * input_scale - b_dec) @ W_enc + b_enc)``, ``act`` and any
parameters beyond these four coming from the registered architecture
(:mod:`bertopic_saetm.sae.architectures`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.preprocessing import normalize
from torch import nn

from .architectures import SAEArchitecture, get_architecture
from .config import SAEConfig


class SparseAutoencoder(nn.Module):
    """Sparse autoencoder of any registered architecture (built in: standard (ReLU), TopK,
    JumpReLU).

    Parameters
    ----------
    config : SAEConfig
        Shapes and architecture.
    input_scale : float
        Factor applied to inputs before encoding. Training rescales embeddings so that their
        mean norm is ``sqrt(d_in)``; :meth:`fold_input_scale` moves the factor into the
        weights, which is how SAE-Lens stores dictionaries.
    """

    def __init__(self, config: SAEConfig, input_scale: float = 1.0):
        super().__init__()
        self.config = config
        d_in, d_sae = config.d_in, config.d_sae
        self.W_enc = nn.Parameter(torch.zeros(d_in, d_sae))
        self.b_enc = nn.Parameter(torch.zeros(d_sae))
        self.W_dec = nn.Parameter(torch.zeros(d_sae, d_in))
        self.b_dec = nn.Parameter(torch.zeros(d_in))
        # Registered after the shared four, so state dicts list them in SAE-Lens's order.
        for name in self.arch.extra_parameters:
            self.register_parameter(name, nn.Parameter(torch.zeros(d_sae)))
        self.input_scale = float(input_scale)

    @property
    def arch(self) -> type[SAEArchitecture]:
        """The registered class of ``config.architecture``.

        Looked up on each use rather than stored, so an SAE pickles without its class and
        always follows the registry.
        """
        return get_architecture(self.config.architecture)

    @property
    def d_in(self) -> int:
        return self.config.d_in

    @property
    def d_sae(self) -> int:
        return self.config.d_sae

    def pre_activations(self, x: torch.Tensor) -> torch.Tensor:
        """Encoder pre-activations, tensor of shape (n, d_sae)."""
        if self.input_scale != 1.0:
            x = x * self.input_scale
        if self.config.apply_b_dec_to_input:
            x = x - self.b_dec
        return x @ self.W_enc + self.b_enc

    def activate(self, pre: torch.Tensor) -> torch.Tensor:
        """The architecture's activation function: tensor of shape (n, d_sae) from
        pre-activations of that shape."""
        return self.arch.activate(pre, self)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Atom activations, tensor of shape (n, d_sae), non-negative."""
        return self.activate(self.pre_activations(x))

    def decode(self, acts: torch.Tensor) -> torch.Tensor:
        """Reconstruction in the input's original scale, tensor of shape (n, d_in)."""
        out = acts @ self.W_dec + self.b_dec
        if self.input_scale != 1.0:
            out = out / self.input_scale
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    @torch.no_grad()
    def fold_input_scale(self) -> SparseAutoencoder:
        """Move ``input_scale`` into the weights so the SAE reads raw inputs; returns self.

        Encodings are unchanged (up to float rounding); decoder rows then have norm
        ``1 / input_scale``, as in SAE-Lens dictionaries trained with
        ``normalize_activations="expected_average_only_in"``.
        """
        s = self.input_scale
        if s != 1.0:
            self.W_enc.mul_(s)
            self.W_dec.div_(s)
            self.b_dec.div_(s)
            self.input_scale = 1.0
        return self

    @torch.no_grad()
    def fold_decoder_norm(self) -> SparseAutoencoder:
        """Rescale so every decoder row has unit norm, keeping reconstructions; returns self.

        Activation ``k`` is multiplied by the norm of decoder row ``k`` (encoder column,
        bias and the architecture's per-atom parameters, e.g. JumpReLU's threshold, scaled
        alike), so activations measure how far along a *unit* atom a document goes,
        comparable across atoms. SAE-Lens's ``fold_W_dec_norm`` does the same.

        Raises
        ------
        ValueError
            When a decoder row is zero, or when the architecture refuses (TopK with decoder
            rows of unequal norms: scaling pre-activations unequally would change which k
            atoms are selected).
        """
        norms = self.W_dec.norm(dim=1)
        if (norms <= 0).any():
            raise ValueError("Some decoder rows are zero; they cannot be normalised.")
        # First, so that an architecture refusing the fold leaves the weights untouched.
        self.arch.fold_decoder_norm(self, norms)
        self.W_enc.mul_(norms)
        self.b_enc.mul_(norms)
        self.W_dec.div_(norms[:, None])
        return self

    def atoms(self) -> np.ndarray:
        """Unit-norm atom directions, ndarray of shape (d_sae, d_in).

        Rows of zero norm (never the case for trained SAEs) are returned as zeros.
        """
        w = self.W_dec.detach().to("cpu", torch.float32).numpy().astype(np.float64)
        return normalize(w)

    @torch.no_grad()
    def encode_sparse(self, X: np.ndarray, batch_size: int = 4096) -> sp.csr_matrix:
        """Encode an array batch by batch, returning activations as CSR.

        Parameters
        ----------
        X : ndarray of shape (n_samples, d_in)
            Inputs (a memory-mapped array works: rows are read one batch at a time).
        batch_size : int
            Rows encoded at once; bounds memory to ``batch_size * d_sae`` floats.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_samples, d_sae), float32
        """
        device = self.W_enc.device
        dtype = self.W_enc.dtype
        blocks = []
        for start in range(0, X.shape[0], batch_size):
            # np.array copies, so read-only memory maps are fine
            batch = torch.as_tensor(
                np.array(X[start : start + batch_size], dtype=np.float32), device=device
            ).to(dtype)
            acts = self.encode(batch).to("cpu", torch.float32).numpy()
            blocks.append(sp.csr_matrix(acts))
        if not blocks:
            return sp.csr_matrix((0, self.d_sae), dtype=np.float32)
        return sp.vstack(blocks, format="csr")
