"""How a document's main topic is read, and how atoms are weighted in the merge, on one fit.

    python benchmarks/main_topic_rules.py [--corpora 20ng,bundled] [--seed 0] [--k 20,50,100,200]

For each corpus: one SAETopicModel fit (defaults), then for every K the partition of the
atoms by weighted k-means with three weightings (atom prior, its square root, uniform) and,
on the default partition, the main topic read six ways: the mixture's argmax, lift (mixture /
topic prior), the nearest topic direction alone, and the package's posterior
(``topic_assignment.assign_main_topics``) with concentration 10 / 50 and with decoder rows
instead of atom centroids as topic directions. Prints NPMI of each partition's topics and
purity / largest topic of each reading. The bundled corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse

import numpy as np
from foundation_vs_corpus import add_corpus_arguments, corpus_ks, load

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import ReferenceCorpus, coherence, purity, topic_shares
from bertopic_saetm.merge.assignment import assign_main_topics, atom_offsets, topic_directions
from bertopic_saetm.merge.partition import assignment_matrix, cluster_atoms


def readings(model, theta, atom_to_topic) -> dict:
    """Main topics of the documents under one partition, read several ways."""
    k = int(atom_to_topic.max()) + 1
    mixture = np.asarray((theta @ assignment_matrix(atom_to_topic, k)).todense())
    has = mixture.max(axis=1) > 0
    decoder = model.sae_.W_dec.detach().double().numpy()
    bias = model.sae_.b_dec.detach().double().numpy()
    prior = model.atom_prior_
    centroid = topic_directions(atom_offsets(model.atom_topic_vectors_, decoder, bias), prior,
                                atom_to_topic, k)
    rows = topic_directions(atom_offsets(None, decoder, bias), prior, atom_to_topic, k)
    lift = mixture / np.bincount(atom_to_topic[atom_to_topic >= 0],
                                 weights=prior[atom_to_topic >= 0], minlength=k)
    nearest = assign_main_topics(theta, atom_to_topic, k, decoder, centroid, concentration=1e6)
    return {
        "argmax": np.where(has, mixture.argmax(axis=1), -1),
        "lift": np.where(has, lift.argmax(axis=1), -1),
        "nearest": nearest,
        "kappa10": assign_main_topics(theta, atom_to_topic, k, decoder, centroid, 10.0),
        "kappa50": assign_main_topics(theta, atom_to_topic, k, decoder, centroid, 50.0),
        "kappa50-rows": assign_main_topics(theta, atom_to_topic, k, decoder, rows, 50.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        ks = corpus_ks(name, args.k)
        model = SAETopicModel(n_topics=ks[0], random_state=args.seed).fit(docs, embeddings)
        reference = ReferenceCorpus.for_model(model, docs)
        theta = model.transform_atoms(embeddings=embeddings)
        content = np.where(model.background_atoms_, 0.0, model.atom_prior_)
        print(f"\n{name}: {len(docs)} documents, {model.sae_.d_sae} atoms, seed {args.seed}; "
              f"K = {' / '.join(map(str, ks))}")
        npmi, reads = {}, {}
        for k in ks:
            for weighting, weights in (("prior", content), ("sqrt prior", np.sqrt(content)),
                                       ("uniform", (content > 0).astype(float))):
                partition = cluster_atoms(model.atom_topic_vectors_, weights, k, args.seed)
                model.set_partition(partition)
                topics = [[w for w, _ in words] for words in model.get_topics(25)]
                npmi.setdefault(weighting, []).append(float(np.nanmean(
                    coherence(topics, reference))))
                if weighting == "prior":
                    for rule, main in readings(model, theta, partition).items():
                        reads.setdefault(rule, []).append((purity(main, labels),
                                                           topic_shares(main)["largest"]))
        for weighting, values in npmi.items():
            print(f"  merge weights {weighting:>10}: NPMI "
                  + " / ".join(f"{v:.3f}" for v in values))
        for rule, values in reads.items():
            print(f"  main topic {rule:>12}: purity "
                  + " / ".join(f"{p:.3f}" for p, _ in values) + "   largest "
                  + " / ".join(f"{b:.1%}" for _, b in values), flush=True)


if __name__ == "__main__":
    main()
