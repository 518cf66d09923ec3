import pytest
import torch

from bertopic_saetm import SAEConfig, SparseAutoencoder

WORDS = ("the cat dog sat on mat a of market stock rates rose fell bank money river water "
         "boat fish tree leaf green red blue sky sun rain").split()


@pytest.fixture(scope="session")
def tokenizer():
    """A word-level Hugging Face tokenizer built in memory (BOS, PAD, UNK)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<bos>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(WORDS)}}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<bos>", pad_token="<pad>",
                                   unk_token="<unk>")


@pytest.fixture(scope="session")
def tiny_model(tokenizer):
    """A random-weight 2-layer HookedTransformer (d_model 16, n_ctx 12)."""
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    torch.manual_seed(0)
    cfg = HookedTransformerConfig(n_layers=2, d_model=16, n_ctx=12, d_head=4, n_heads=4,
                                  d_vocab=len(tokenizer), act_fn="relu", device="cpu",
                                  seed=0)
    model = HookedTransformer(cfg)
    model.tokenizer = tokenizer  # set_tokenizer needs a tokenizer saved on disk
    return model.eval()


def random_sae(d_in=16, d_sae=32, seed=0, architecture="standard", k=None):
    gen = torch.Generator().manual_seed(seed)
    sae = SparseAutoencoder(SAEConfig(d_in, d_sae, architecture, k=k))
    with torch.no_grad():
        for param in sae.parameters():
            param.copy_(torch.randn(param.shape, generator=gen))
        sae.W_enc.div_(d_in ** 0.5)
        sae.b_enc.mul_(0.1)
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
        if architecture == "jumprelu":
            sae.threshold.copy_(torch.rand(d_sae, generator=gen) * 0.1)
    return sae.eval()
