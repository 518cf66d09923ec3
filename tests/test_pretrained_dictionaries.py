"""The shipped foundation dictionary: by name everywhere, SAE-Lens format, clear errors."""

import json

import numpy as np
import pytest
import torch

from bertopic_saetm import SAETopicModel
from bertopic_saetm.dictionaries import (
    PRETRAINED,
    check_dictionary_inputs,
    embedder_name,
    load_pretrained,
    pretrained_path,
)
from bertopic_saetm.merge.partition import cluster_atoms
from bertopic_saetm.merge.weights import merge_weights


def test_shipped_dictionary_files_name_the_model_and_the_licence():
    folder = pretrained_path("minilm-foundation")
    cfg = json.loads((folder / "cfg.json").read_text())
    assert cfg["d_in"] == 384 and cfg["dtype"] == "float16"
    meta = cfg["metadata"]
    assert meta["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "CC BY-SA 3.0" in meta["attribution"] and meta["license"] == "CC-BY-SA-3.0"
    assert "CC BY-SA 3.0" in (folder / "LICENSE.md").read_text()
    sae = load_pretrained("minilm-foundation")
    assert sae.W_dec.dtype == torch.float32
    assert (sae.d_in, sae.d_sae) == (384, 1536)
    with pytest.raises(ValueError, match="Unknown pretrained dictionary"):
        pretrained_path("gpt2-foundation")
    assert PRETRAINED == ("minilm-foundation",)


def test_fit_by_name_trains_no_sae(corpus):
    model = SAETopicModel(n_topics=8, sae="minilm-foundation", random_state=0)
    theta = model.fit_transform(corpus.texts, corpus.embeddings)
    assert model.sae_report_ is None  # nothing trained
    assert model.sae_.d_sae == load_pretrained("minilm-foundation").d_sae
    assert theta.shape == (len(corpus.texts), model.n_topics_)
    torch.testing.assert_close(model.sae_.W_enc, load_pretrained("minilm-foundation").W_enc)


def test_a_pretrained_dictionary_merges_without_the_generic_atom_weights(corpus, tmp_path):
    # generic_atom_power="auto" is 0 on a frozen pretrained dictionary (where the weights
    # lowered NPMI), before and after a save, and a number given is used as given.
    model = SAETopicModel(n_topics=8, sae="minilm-foundation", random_state=0)
    model.fit(corpus.texts, corpus.embeddings)
    assert model.generic_atom_power == "auto"
    assert model.fit_engine().merge.generic_atom_power == 0.0
    content_prior = np.where(model.background_atoms_, 0.0, model.atom_prior_)
    plain = cluster_atoms(model.atom_topic_vectors_,
                          merge_weights(model.atom_main_documents_, content_prior), 8,
                          random_state=0)
    np.testing.assert_array_equal(model.atom_to_topic_, plain)
    loaded = SAETopicModel.load(model.save(tmp_path / "foundation"))
    assert loaded.fit_engine().merge.generic_atom_power == 0.0
    np.testing.assert_array_equal(loaded.set_n_topics(8).atom_to_topic_, plain)
    assert loaded.set_params(generic_atom_power=4.0).fit_engine().merge.generic_atom_power == 4.0
    assert not np.array_equal(loaded.set_n_topics(8).atom_to_topic_, plain)


def test_sae_lens_reads_the_shipped_file():
    sae_lens = pytest.importorskip("sae_lens")
    ours = load_pretrained("minilm-foundation")
    theirs = sae_lens.SAE.load_from_disk(str(pretrained_path("minilm-foundation")),
                                         device="cpu", dtype="float32")
    x = torch.randn(5, 384) * 0.05
    with torch.no_grad():
        torch.testing.assert_close(theirs.encode(x), ours.encode(x), atol=1e-4, rtol=1e-4)


def test_bridge_and_cli_load_it_by_name(tmp_path, corpus):
    from bertopic_saetm.cli import main
    from sae_lens_bridge import load_dictionary

    dictionary = load_dictionary("minilm-foundation")
    assert dictionary.sae.d_in == 384
    assert dictionary.metadata["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    docs = tmp_path / "docs.txt"
    docs.write_text("\n".join(t.replace("\n", " ") for t in corpus.texts[:300]) + "\n")
    np.save(tmp_path / "emb.npy", corpus.embeddings[:300])
    assert main(["fit", str(docs), "--embeddings", str(tmp_path / "emb.npy"), "--sae",
                 "minilm-foundation", "--n-topics", "5", "--quiet", "-o",
                 str(tmp_path / "model")]) == 0
    assert SAETopicModel.load(tmp_path / "model").sae_report_ is None


def test_other_embeddings_get_a_clear_error(corpus):
    sae = load_pretrained("minilm-foundation")
    with pytest.raises(ValueError, match="384-d embeddings of sentence-transformers/all-MiniLM"):
        SAETopicModel(sae="minilm-foundation").fit(corpus.texts[:50], np.ones((50, 768)))

    class OtherModel(torch.nn.Module):
        class model_card_data:  # noqa: N801 - sentence-transformers' attribute name
            base_model = "BAAI/bge-small-en-v1.5"

        def encode(self, texts):
            return np.ones((len(texts), 384), dtype=np.float32)

    assert embedder_name(OtherModel()) == "BAAI/bge-small-en-v1.5"
    with pytest.raises(ValueError, match="bge-small-en-v1.5"):
        check_dictionary_inputs(sae, 384, OtherModel())
    with pytest.raises(ValueError, match="bge-small"):
        SAETopicModel(sae="minilm-foundation", embedding_model=OtherModel()).fit(
            corpus.texts[:50], corpus.embeddings[:50])
    check_dictionary_inputs(sae, 384, "default")  # the bundled MiniLM: fine
