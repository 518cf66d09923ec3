"""Per-document activations from a TransformerLens model: raw at a hook, or SAE atoms.

Documents are tokenized, cut into chunks that fit the context, run through the model only
up to the hook (the forward pass stops there), and every real token's activation is pooled
per document (sum / mean / max) - optionally after encoding it with an SAE. Memory stays
bounded: one batch of chunks and ``token_batch`` encoded tokens at a time, never
tokens x atoms for the corpus.

Special tokens: decoder models get a BOS token per chunk (``prepend_bos``), which is never
pooled (its activations are outliers); encoder models (BERT: ``[CLS] ... [SEP]``) pool them
by default, as sentence-transformers' mean pooling does. Padding is never pooled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from tqdm.auto import tqdm

from bertopic_saetm.sae import SparseAutoencoder
from bertopic_saetm.sae.mixtures import normalise_activations
from bertopic_saetm.validation import check_documents

from .dictionaries import Dictionary

logger = logging.getLogger(__name__)

POOLINGS = ("sum", "mean", "max")


class _ReachedHook(Exception):
    """Raised inside the hook to stop the forward pass once the activation is captured."""


@dataclass(frozen=True)
class _Framing:
    """How a model family frames a chunk of token ids."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]
    pool_special: bool
    encoder: bool


def _framing(model, tokenizer, prepend_bos: bool, keep_special_tokens: bool | None) -> _Framing:
    from transformer_lens import HookedEncoder

    if isinstance(model, HookedEncoder):
        if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
            raise ValueError("An encoder model needs a tokenizer with [CLS] and [SEP] tokens.")
        keep = True if keep_special_tokens is None else keep_special_tokens
        return _Framing((tokenizer.cls_token_id,), (tokenizer.sep_token_id,), keep, True)
    prefix = ()
    if prepend_bos:
        bos = tokenizer.bos_token_id
        if bos is None:
            raise ValueError("prepend_bos=True but the tokenizer has no BOS token; pass "
                             "prepend_bos=False.")
        prefix = (bos,)
    keep = False if keep_special_tokens is None else keep_special_tokens
    return _Framing(prefix, (), keep, False)


def _chunks(token_ids: list[np.ndarray], framing: _Framing, room: int):
    """Yield (document, ids, pooled-mask) for every chunk, in document order."""
    n_prefix, n_suffix = len(framing.prefix), len(framing.suffix)
    for doc, ids in enumerate(token_ids):
        for start in range(0, max(len(ids), 1), room):
            piece = ids[start : start + room]
            if len(piece) == 0 and not framing.pool_special:
                continue  # nothing of this (empty) document would be pooled
            chunk = np.concatenate([framing.prefix, piece, framing.suffix]).astype(np.int64)
            keep = np.ones(chunk.size, dtype=bool)
            if not framing.pool_special:
                keep[:n_prefix] = False
                keep[chunk.size - n_suffix:] = False
            yield doc, chunk, keep


def _hook_activations(model, tokens, attention, hook_name, framing) -> torch.Tensor:
    captured = {}

    def capture(activation, hook):
        captured["value"] = activation
        raise _ReachedHook

    kwargs = {}
    if framing.encoder:
        kwargs = {"one_zero_attention_mask": attention,
                  "token_type_ids": torch.zeros_like(tokens)}
    # Decoders: chunks are right-padded, and causal attention never lets a real token see
    # the padding after it, so no mask is needed.
    try:
        model.run_with_hooks(tokens, return_type=None, fwd_hooks=[(hook_name, capture)],
                             **kwargs)
    except _ReachedHook:
        pass
    if "value" not in captured:
        raise ValueError(f"The forward pass never reached hook {hook_name!r}.")
    return captured["value"]


class _Pooler:
    """Running per-document pooling of token rows (documents arrive in order).

    Keeps one accumulator per document - the running sum (``sum`` / ``mean``) or maximum
    (``max``) - and the token count; only the last document of a batch can continue into
    the next one.
    """

    def __init__(self, pooling: str, n_documents: int, sparse: bool):
        self.pooling, self.n_documents, self.sparse = pooling, n_documents, sparse
        self.blocks: list[tuple[np.ndarray, np.ndarray | sp.csr_matrix]] = []
        self.pending = None  # (doc, accumulator, count) of a document that may continue

    def add(self, docs: torch.Tensor, values: torch.Tensor) -> None:
        """Pool rows ``values`` (n, d) belonging to documents ``docs`` (n,), non-decreasing."""
        unique, inverse = torch.unique_consecutive(docs, return_inverse=True)
        n, d = unique.numel(), values.shape[1]
        if self.pooling == "max":
            acc = torch.full((n, d), -torch.inf, dtype=values.dtype, device=values.device)
            acc.scatter_reduce_(0, inverse[:, None].expand(-1, d), values, "amax")
        else:
            acc = torch.zeros(n, d, dtype=values.dtype, device=values.device).index_add_(
                0, inverse, values)
        counts = torch.bincount(inverse, minlength=n).to(values.dtype)
        if self.pending is not None and int(unique[0]) == self.pending[0]:
            _, previous, count = self.pending
            acc[0] = torch.maximum(acc[0], previous) if self.pooling == "max" \
                else acc[0] + previous
            counts[0] += count
        elif self.pending is not None:
            doc, previous, count = self.pending
            self._emit(torch.tensor([doc]), previous[None], count[None])
        self.pending = (int(unique[-1]), acc[-1], counts[-1])
        if n > 1:
            self._emit(unique[:-1], acc[:-1], counts[:-1])

    def _emit(self, docs, acc, counts) -> None:
        rows = acc / counts[:, None] if self.pooling == "mean" else acc
        rows = rows.to("cpu", torch.float32).numpy()
        self.blocks.append((docs.cpu().numpy(), sp.csr_matrix(rows) if self.sparse else rows))

    def result(self, width: int):
        if self.pending is not None:
            doc, acc, count = self.pending
            self._emit(torch.tensor([doc]), acc[None], count[None])
            self.pending = None
        if self.sparse:
            rows, cols, vals = [], [], []
            for docs, block in self.blocks:
                coo = block.tocoo()
                rows.append(docs[coo.row])
                cols.append(coo.col)
                vals.append(coo.data)
            if not rows:
                return sp.csr_matrix((self.n_documents, width), dtype=np.float32)
            return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                        np.concatenate(cols))),
                                 shape=(self.n_documents, width), dtype=np.float32)
        out = np.zeros((self.n_documents, width), dtype=np.float32)
        for docs, block in self.blocks:
            out[docs] = block
        return out


def _check_setup(model, documents, hook_name, context_size, prepend_bos, keep_special_tokens,
                 tokenizer):
    documents = check_documents(documents)
    if hook_name not in model.hook_dict:
        close = [name for name in model.hook_dict if name.split(".")[-1] ==
                 hook_name.split(".")[-1]][:4]
        raise ValueError(f"The model has no hook {hook_name!r}"
                         + (f" (hooks of that kind: {close})." if close else "."))
    tokenizer = tokenizer if tokenizer is not None else model.tokenizer
    if tokenizer is None:
        raise ValueError("The model has no tokenizer; pass tokenizer=.")
    framing = _framing(model, tokenizer, prepend_bos, keep_special_tokens)
    n_ctx = int(model.cfg.n_ctx)
    context_size = n_ctx if context_size is None else int(context_size)
    if context_size > n_ctx:
        raise ValueError(f"context_size {context_size} exceeds the model's n_ctx {n_ctx}.")
    room = context_size - len(framing.prefix) - len(framing.suffix)
    if room < 1:
        raise ValueError(f"context_size {context_size} leaves no room for document tokens.")
    return documents, tokenizer, framing, room


def iter_token_activations(model, documents, hook_name: str, *, context_size: int | None = None,
                           batch_size: int = 16, prepend_bos: bool = True,
                           keep_special_tokens: bool | None = None, tokenizer=None,
                           verbose: bool = False):
    """Yield the pooled tokens' activations at ``hook_name``, one batch of chunks at a time.

    Yields
    ------
    documents : torch.Tensor of shape (n_tokens,)
        Document index of every token (non-decreasing).
    activations : torch.Tensor of shape (n_tokens, d)
        Their activations (BOS / padding already dropped, see the module docstring).
    """
    documents, tokenizer, framing, room = _check_setup(
        model, documents, hook_name, context_size, prepend_bos, keep_special_tokens, tokenizer)
    token_ids = [np.asarray(ids, dtype=np.int64) for ids in
                 tokenizer(documents, add_special_tokens=False)["input_ids"]]
    chunks = list(_chunks(token_ids, framing, room))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    batches = range(0, len(chunks), batch_size)
    for start in tqdm(batches, disable=not verbose, desc="documents -> activations",
                      unit="batch"):
        batch = chunks[start : start + batch_size]
        length = max(chunk.size for _, chunk, _ in batch)
        tokens = torch.full((len(batch), length), pad, dtype=torch.long)
        attention = torch.zeros((len(batch), length), dtype=torch.long)
        keep = torch.zeros((len(batch), length), dtype=torch.bool)
        for row, (_, chunk, kept) in enumerate(batch):
            tokens[row, : chunk.size] = torch.as_tensor(chunk)
            attention[row, : chunk.size] = 1
            keep[row, : chunk.size] = torch.as_tensor(kept)
        # Inference mode only around the forward pass: a generator must not leave it on
        # for its consumer between yields.
        with torch.inference_mode():
            acts = _hook_activations(model, tokens.to(device), attention.to(device),
                                     hook_name, framing)
            if acts.dim() != 3:
                raise ValueError(f"Hook {hook_name!r} gives activations of shape "
                                 f"{tuple(acts.shape)}; a (batch, position, d) hook is needed.")
            selected = acts[keep.to(acts.device)].float()
        docs = torch.tensor([doc for doc, _, _ in batch]).repeat_interleave(keep.sum(dim=1))
        yield docs, selected.clone()


def token_activations(model, documents, hook_name: str, *, max_tokens: int | None = None,
                      random_state=None, **kwargs) -> np.ndarray:
    """Activations of the documents' tokens at ``hook_name``, e.g. to train an SAE.

    Parameters
    ----------
    model, documents, hook_name
        As :func:`iter_token_activations` (other keyword arguments too).
    max_tokens : int, optional
        Keep a uniform random sample of at most this many tokens.
    random_state : int, optional
        Seed of that sample.

    Returns
    -------
    ndarray of shape (n_tokens, d), float32
    """
    parts = [acts.cpu().numpy() for _, acts in
             iter_token_activations(model, documents, hook_name, **kwargs)]
    tokens = np.concatenate(parts) if parts else np.zeros((0, int(model.cfg.d_model)),
                                                          dtype=np.float32)
    if max_tokens is not None and tokens.shape[0] > max_tokens:
        rng = np.random.default_rng(random_state)
        tokens = tokens[np.sort(rng.choice(tokens.shape[0], max_tokens, replace=False))]
    return tokens


def pool_hook_activations(model, documents, hook_name: str, *, encode=None,
                          encoded_width: int | None = None, pooling="mean",
                          context_size: int | None = None, batch_size: int = 16,
                          token_batch: int = 4096, prepend_bos: bool = True,
                          keep_special_tokens: bool | None = None, tokenizer=None,
                          verbose: bool = False):
    """Pool a TransformerLens model's activations at ``hook_name`` per document.

    Parameters
    ----------
    model : transformer_lens.HookedTransformer or HookedEncoder
    documents : list of str of length n_documents
    hook_name : str
        A hook point of ``model`` (``"blocks.8.hook_resid_pre"``).
    encode : callable, optional
        Maps token activations (n_tokens, d_model) to (n_tokens, width), e.g. an SAE's
        ``encode``; the output is then sparse.
    encoded_width : int, optional
        Output width of ``encode`` (needed only if no document has a token).
    pooling : {"sum", "mean", "max"}, default="mean"
    context_size : int, optional
        Tokens per chunk, special tokens included; default the model's ``n_ctx``.
    batch_size : int, default=16
        Chunks per forward pass.
    token_batch : int, default=4096
        Token rows encoded at once (bounds memory to ``token_batch x width``).
    prepend_bos : bool, default=True
        Decoder models: start every chunk with BOS (never pooled).
    keep_special_tokens : bool, optional
        Pool BOS / [CLS] / [SEP] too. Default: no for decoders, yes for encoders.
    tokenizer : optional
        A Hugging Face tokenizer; default ``model.tokenizer``.
    verbose : bool, default=False
        Progress bar over batches.

    Returns
    -------
    ndarray of shape (n_documents, d_model), or CSR of shape (n_documents, width) with
    ``encode``. Documents without pooled tokens (empty strings) get zero rows.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
    documents = check_documents(documents)
    pooler = _Pooler(pooling, len(documents), sparse=encode is not None)
    width = None
    batches = iter_token_activations(
        model, documents, hook_name, context_size=context_size, batch_size=batch_size,
        prepend_bos=prepend_bos, keep_special_tokens=keep_special_tokens, tokenizer=tokenizer,
        verbose=verbose)
    with torch.inference_mode():
        for docs, selected in batches:
            for begin in range(0, selected.shape[0], token_batch):
                rows = selected[begin : begin + token_batch]
                values = encode(rows) if encode is not None else rows
                width = values.shape[1]
                pooler.add(docs[begin : begin + token_batch].to(values.device), values)
    if width is None:
        width = encoded_width if encode is not None else int(model.cfg.d_model)
    return pooler.result(width)


def _resolve(dictionary, hook_name, context_size, prepend_bos):
    if isinstance(dictionary, Dictionary):
        sae = dictionary.sae
        hook_name = hook_name or dictionary.hook_name
        context_size = context_size or dictionary.context_size
        prepend_bos = dictionary.prepend_bos if prepend_bos is None else prepend_bos
    elif isinstance(dictionary, SparseAutoencoder):
        sae = dictionary
        meta = sae.config.metadata
        hook_name = hook_name or meta.get("hook_name")
        context_size = context_size or meta.get("context_size")
        prepend_bos = bool(meta.get("prepend_bos", True)) if prepend_bos is None \
            else prepend_bos
    else:
        raise TypeError("dictionary must be a sae_lens_bridge.Dictionary or a "
                        f"SparseAutoencoder, got {type(dictionary).__name__}.")
    if not hook_name:
        raise ValueError("The dictionary does not record its hook_name; pass hook_name=.")
    return sae, hook_name, context_size, prepend_bos


def document_atom_activations(model, dictionary, documents, *, hook_name: str | None = None,
                              pooling: str = "sum", context_size: int | None = None,
                              prepend_bos: bool | None = None, batch_size: int = 16,
                              token_batch: int = 4096, keep_special_tokens: bool | None = None,
                              tokenizer=None, verbose: bool = False) -> sp.csr_matrix:
    """Atom activations of every token, pooled per document.

    Parameters
    ----------
    model : transformer_lens.HookedTransformer or HookedEncoder
    dictionary : Dictionary or SparseAutoencoder
        Its metadata supplies ``hook_name``, ``context_size`` and ``prepend_bos`` unless
        given here.
    documents : list of str of length n_documents
    pooling : {"sum", "mean", "max"}, default="sum"
        The other parameters are those of :func:`pool_hook_activations`.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        Feed to ``SAETopicModel(sae=dictionary.sae).fit(documents, activations=...)``.
    """
    sae, hook_name, context_size, prepend_bos = _resolve(dictionary, hook_name, context_size,
                                                         prepend_bos)
    d_model = int(model.cfg.d_model)
    if sae.d_in != d_model and hook_name.split(".")[-1].startswith("hook_resid"):
        raise ValueError(f"The SAE reads width {sae.d_in} but the model's residual stream has "
                         f"width {d_model}: this dictionary was trained on another model.")
    sae = sae.to(next(model.parameters()).device).eval()

    def encode(tokens):
        if tokens.shape[1] != sae.d_in:
            raise ValueError(f"Hook {hook_name!r} gives width {tokens.shape[1]} but the SAE "
                             f"reads width {sae.d_in}.")
        return sae.encode(tokens)

    return pool_hook_activations(
        model, documents, hook_name, encode=encode, encoded_width=sae.d_sae, pooling=pooling,
        context_size=context_size,
        batch_size=batch_size, token_batch=token_batch, prepend_bos=prepend_bos,
        keep_special_tokens=keep_special_tokens, tokenizer=tokenizer, verbose=verbose)


def document_atom_mixtures(model, dictionary, documents, **kwargs) -> sp.csr_matrix:
    """:func:`document_atom_activations` normalised to mixtures (rows sum to 1 or are 0)."""
    return normalise_activations(document_atom_activations(model, dictionary, documents,
                                                           **kwargs))
