"""SAE-Lens and TransformerLens bridge: pretrained dictionaries and model activations as
SAE-TM topic atoms.

- :func:`load_dictionary` reads an SAE-Lens folder (no sae_lens import) or a hub release
  (through sae_lens and the Hugging Face cache); :func:`save_dictionary` writes any SAE
  this project trains in SAE-Lens format; :func:`from_sae_lens` / :func:`to_sae_lens`
  convert in memory.
- :func:`document_atom_activations` turns documents into pooled atom activations with a
  TransformerLens model and a dictionary; ``SAETopicModel(sae=d.sae).fit(docs,
  activations=...)`` makes topics of them.
- :class:`HookEmbedder` (BERTopic embedder), :func:`load_minilm_encoder` (the bundled
  MiniLM as a HookedEncoder), :func:`load_language_model` (the model a release reads) and
  :func:`train_with_sae_lens` (SAE-Lens's own trainer on an embedding matrix) are imported
  on first use.
"""

from .dictionaries import (
    Dictionary,
    from_sae_lens,
    load_dictionary,
    save_dictionary,
    to_sae_lens,
)

__all__ = [
    "Dictionary",
    "load_dictionary",
    "save_dictionary",
    "from_sae_lens",
    "to_sae_lens",
    "pool_hook_activations",
    "iter_token_activations",
    "token_activations",
    "document_atom_activations",
    "document_atom_mixtures",
    "HookEmbedder",
    "load_minilm_encoder",
    "load_language_model",
    "train_with_sae_lens",
    "MINILM_LAST_LAYER",
]

_LAZY = {
    "pool_hook_activations": "activations",
    "iter_token_activations": "activations",
    "token_activations": "activations",
    "document_atom_activations": "activations",
    "document_atom_mixtures": "activations",
    "HookEmbedder": "embedder",
    "load_minilm_encoder": "models",
    "load_language_model": "models",
    "train_with_sae_lens": "training",
    "MINILM_LAST_LAYER": "models",
}


def __getattr__(name):
    # activations imports tqdm/torch only, but embedder imports bertopic (slow): load lazily.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
