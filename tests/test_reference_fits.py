"""Today's code reproduces the fits of 0.1.0, and loads what 0.1.0 saved.

``tests/reference/`` holds fingerprints of two reference fits (the bundled corpus, and 20
Newsgroups from ``../shared/data``) and model folders saved by 0.1.0, with what they gave
then, all written with the code of 0.1.0 (``make_reference.py``, ``make_saved_models.py``).
A refactor that changes a fit in the 12th digit fails here.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

REFERENCE = Path(__file__).resolve().parent / "reference"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
sys.path.insert(0, str(REFERENCE))
from fingerprint import fingerprint  # noqa: E402


def _compare(name: str, texts, embeddings, n_topics: int):
    from bertopic_saetm import SAETopicModel

    # Topic words from the emission, as 0.1.0 drew them (the default draws them from the
    # atoms' word profiles since 0.2.0; tests/emission/test_profiles.py covers those), and
    # no wordless atoms in the background and no generic atoms weighed down in the merge
    # (both since 0.2.0; tests/merge/test_merge.py).
    model = SAETopicModel(n_topics=n_topics, random_state=0, topic_words="emission",
                          min_document_words=0.0, generic_atom_power=0.0).fit(texts, embeddings)
    arrays, facts = fingerprint(model, embeddings)
    expected = load_file(str(REFERENCE / f"{name}.safetensors"))
    assert sorted(arrays) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(arrays[key], value, rtol=0, atol=1e-12, err_msg=key)
    want = json.loads((REFERENCE / f"{name}.json").read_text())
    assert facts.pop("emission_log_likelihood") == pytest.approx(
        want.pop("emission_log_likelihood"), abs=1e-12)
    assert facts == want


def test_the_bundled_reference_fit_is_reproduced():
    from bertopic_saetm.datasets import load_python_docs

    corpus = load_python_docs()
    _compare("bundled", list(corpus.texts), np.asarray(corpus.embeddings, np.float32), 15)


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "20ng.jsonl.gz").is_file(), reason="needs ../shared/data")
def test_the_20_newsgroups_reference_fit_is_reproduced():
    with gzip.open(DATA / "20ng.jsonl.gz", "rt") as f:
        texts = [json.loads(line)["text"] for line in f]
    embeddings = np.load(DATA / "20ng.minilm.f16.npy").astype(np.float32)
    _compare("20ng", texts, embeddings, 20)


def test_a_model_saved_by_0_1_0_loads_and_transforms_as_it_did():
    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.datasets import load_python_docs

    embeddings = np.asarray(load_python_docs().embeddings[:300], np.float32)
    expected = load_file(str(REFERENCE / "saved-0.1.0" / "expected.safetensors"))
    model = SAETopicModel.load(REFERENCE / "saved-0.1.0" / "standalone")
    np.testing.assert_allclose(model.transform(embeddings=embeddings),
                               expected["standalone_transform"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.predict(embeddings=embeddings),
                                  expected["standalone_predict"])


def test_a_bertopic_model_saved_by_0_1_0_loads_and_transforms_as_it_did():
    from bertopic_saetm.backends import load_bertopic
    from bertopic_saetm.datasets import load_python_docs

    corpus = load_python_docs()
    texts = list(corpus.texts[400:600])
    embeddings = np.asarray(corpus.embeddings[400:600], np.float32)
    expected = load_file(str(REFERENCE / "saved-0.1.0" / "expected.safetensors"))
    topic_model = load_bertopic(REFERENCE / "saved-0.1.0" / "bertopic")
    np.testing.assert_array_equal(np.asarray(topic_model.topics_), expected["bertopic_topics"])
    np.testing.assert_allclose(topic_model.probabilities_, expected["bertopic_probabilities"],
                               rtol=0, atol=1e-12)
    topics, _ = topic_model.transform(texts, embeddings)
    np.testing.assert_array_equal(np.asarray(topics), expected["bertopic_new_topics"])
