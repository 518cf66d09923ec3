import numpy as np
import pytest

from bertopic_saetm.inspection import summarise_atoms


def test_strongest_atoms_with_their_words_and_documents(fitted, corpus):
    activations = fitted.sae_.encode_sparse(corpus.embeddings)
    summaries = summarise_atoms(fitted, activations, top=5, n_words=4, n_documents=2)
    assert len(summaries) == 5
    priors = [s.prior for s in summaries]
    assert priors == sorted(priors, reverse=True) and priors[0] == fitted.atom_prior_.max()
    dense = activations.toarray()
    for s in summaries:
        column = dense[:, s.atom]
        assert s.n_documents == np.count_nonzero(column)
        assert [d for d, _ in s.documents] == list(np.argsort(-column, kind="stable")[:2])
        assert s.documents[0][1] == pytest.approx(column.max())
        row = fitted.atom_word_profile_[s.atom]
        assert [w for w, _ in s.words] == [str(fitted.vocabulary_[j])
                                           for j in np.argsort(-row, kind="stable")[:4]]
        assert s.topic == fitted.atom_to_topic_[s.atom]


def test_chosen_atoms_without_a_corpus_and_bad_input(fitted):
    (summary,) = summarise_atoms(fitted, atoms=[3])
    assert summary.atom == 3 and summary.documents == [] and summary.n_documents == 0
    with pytest.raises(ValueError, match="Atom indices"):
        summarise_atoms(fitted, atoms=[fitted.atom_prior_.size])
    with pytest.raises(ValueError, match="columns"):
        summarise_atoms(fitted, np.zeros((3, 2)))
