"""Heavy atoms split in two after training, against the package's default, on the same fits.

    python benchmarks/atom_splitting.py [--corpora 20ng,bundled] [--seeds 0,1,2]
        [--k 20,50,100,200] [--variants none,even:refit,even:copy,1.5:refit]

For each corpus and seed the four stages run once as ``SAETopicModel`` runs them
(defaults). Then, for each variant, every content atom that heads (is the strongest content
atom of, ``merging.main_atoms``) at least a threshold of documents is split in two: a
2-means of its head documents' unit embeddings gives a hyperplane, and every document the
atom fires on keeps the activation on the child on its side. The emission (EM) and the merge
then run again on the split activations, and every K is scored with the model's own topic
words and main-topic rule (NPMI on the corpus itself, TD@25, purity against the labels,
largest topic), with the number of atoms split and the purity of the documents grouped by
their strongest content atom ("atom purity").

A variant is ``THRESHOLD:DECODER``. THRESHOLD is ``even`` (an even split of the documents
at the largest K scored: the most a topic may hold for a balanced partition there) or a
multiple of the mean number of documents a content atom heads. DECODER is ``copy`` (both
children keep the parent's decoder row) or ``refit`` (each child's row moves by one
least-squares step towards the residuals of the documents it keeps, so the children's
reconstructions, centroids and main-topic directions differ). ``none`` is the default model.
It asks whether what the dictionary does not reconstruct, the part of the embeddings that
makes document clusters purer (``benchmarks/merge_partitions.py``), can be brought in by
growing the dictionary where atoms are heavy, without a larger SAE.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
import torch
from foundation_vs_corpus import add_corpus_arguments, corpus_ks, load
from sklearn.cluster import KMeans

from bertopic_saetm import SAETopicModel
from bertopic_saetm.engine.stages import Atoms, FitStages, FittedStages
from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    coherence,
    purity,
    topic_diversity,
    topic_shares,
)
from bertopic_saetm.merge.weights import main_atoms
from bertopic_saetm.sae import SparseAutoencoder

METRICS = ("npmi", "td25", "purity", "largest")


def fitted(stages, vocabulary, atoms, k: int, seed: int) -> SAETopicModel:
    """The model the emission and merge stages make of ``atoms``."""
    emission = stages.emission.fit(atoms.theta, vocabulary.counts)
    merge = stages.merge.fit(emission, vocabulary, atoms, stages.merge.embedder(None))
    model = SAETopicModel(n_topics=k, random_state=seed)
    return model.set_fitted_stages(FittedStages(vocabulary, atoms, emission, merge, {}))


def heads(model: SAETopicModel, theta) -> np.ndarray:
    """Strongest content atom of every document, -1 for none."""
    return main_atoms(theta, (model.atom_prior_ > 0) & ~model.background_atoms_)


def split_atoms(atoms: Atoms, head: np.ndarray, units: np.ndarray, embeddings: np.ndarray,
                threshold: float, refit: bool, seed: int) -> tuple[Atoms, int]:
    """Atoms with every atom heading >= ``threshold`` documents split in two.

    Child 0 keeps the parent's column, child 1 is appended; a document's activation goes to
    the child whose 2-means centre (over the parent's head documents) is nearer its unit
    embedding.
    """
    sae = atoms.sae
    acts = atoms.activations().tocsc()
    W = sae.W_dec.detach().double().numpy()
    bias = sae.b_dec.detach().double().numpy()
    counts = np.bincount(head[head >= 0], minlength=sae.d_sae)
    parents = np.flatnonzero(counts >= threshold)
    residuals = None
    if refit:
        scaled = np.asarray(embeddings, dtype=np.float64) * sae.input_scale
        residuals = scaled - (acts @ W + bias)
    columns, rows = [acts[:, j] for j in range(sae.d_sae)], list(W)
    for p in parents:
        members = np.flatnonzero(head == p)
        centres = KMeans(2, n_init=3, random_state=seed).fit(units[members]).cluster_centers_
        side = units @ (centres[1] - centres[0]) > (centres[1] @ centres[1]
                                                    - centres[0] @ centres[0]) / 2
        column = columns[p].toarray().ravel()
        children = [np.where(~side, column, 0.0), np.where(side, column, 0.0)]
        columns[p] = sp.csc_matrix(children[0][:, None])
        columns.append(sp.csc_matrix(children[1][:, None]))
        child_rows = [W[p], W[p]]
        if refit:
            child_rows = [W[p] + (a @ residuals) / max(a @ a, 1e-12) for a in children]
        rows[p] = child_rows[0]
        rows.append(child_rows[1])
    decoder = np.vstack(rows)
    split = SparseAutoencoder(dataclasses.replace(sae.config, d_sae=len(decoder)),
                              sae.input_scale)
    with torch.no_grad():
        split.W_dec.copy_(torch.as_tensor(decoder))
        split.b_dec.copy_(sae.b_dec)
    return Atoms.from_activations(split, None, sp.hstack(columns).tocsr()), len(parents)


def scores(model: SAETopicModel, theta, labels, reference, ks: list[int]) -> list[dict]:
    out = []
    for k in ks:
        model.set_n_topics(k)
        topics = [[w for w, _ in words] for words in model.get_topics(25)]
        main = model.main_topics_of(theta)
        out.append({"npmi": float(np.nanmean(coherence(topics, reference))),
                    "td25": topic_diversity(topics, 25), "purity": purity(main, labels),
                    "largest": topic_shares(main)["largest"]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", default="none,even:refit,even:copy,1.5:refit")
    args = parser.parse_args()
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        ks = corpus_ks(name, args.k)
        units = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        results, facts = defaultdict(list), defaultdict(list)
        reference = None
        for seed in (int(s) for s in args.seeds.split(",")):
            stages = FitStages.from_params(
                SAETopicModel(n_topics=ks[0], random_state=seed).get_params(deep=False))
            vocabulary = stages.vocabulary.fit(docs, None, len(docs))
            atoms = stages.atoms.fit(embeddings, None)
            base = fitted(stages, vocabulary, atoms, ks[0], seed)
            reference = reference or ReferenceCorpus.for_model(base, docs)
            head = heads(base, atoms.theta)
            mean_head = (head >= 0).sum() / max(len(np.unique(head[head >= 0])), 1)
            for variant in args.variants.split(","):
                model, split_theta, n_split = base, atoms.theta, 0
                if variant != "none":
                    size, decoder = variant.split(":")
                    threshold = (len(docs) / max(ks) if size == "even"
                                 else float(size) * mean_head)
                    split, n_split = split_atoms(atoms, head, units, embeddings, threshold,
                                                 decoder == "refit", seed)
                    model, split_theta = fitted(stages, vocabulary, split, ks[0], seed), \
                        split.theta
                results[variant].append(scores(model, split_theta, labels, reference, ks))
                facts[variant].append((n_split, purity(heads(model, split_theta), labels)))
        print(f"\n{name}: {len(docs)} documents, K = {' / '.join(map(str, ks))}, mean over "
              f"seeds {args.seeds}")
        print("| variant | " + " | ".join(METRICS) + " | atoms split | atom purity |")
        print("|---" * (len(METRICS) + 3) + "|")
        for variant, per_seed in results.items():
            cells = [" / ".join(f"{np.mean([r[i][m] for r in per_seed]):.3f}"
                                for i in range(len(ks))) for m in METRICS]
            n_split, atom_purity = np.mean(facts[variant], axis=0)
            print(f"| {variant} | " + " | ".join(cells) + f" | {n_split:.0f} | "
                  f"{atom_purity:.3f} |", flush=True)


if __name__ == "__main__":
    main()
