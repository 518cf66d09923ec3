"""Decision: atoms of documents without words join the background (``min_document_words=0.5``).

    python benchmarks/experiments/wordless_atoms.py [--corpus 20ng|bundled|simplewiki]
        [--seeds 0,1,2] [--k 20,50,100,200] [--thresholds 0,0.5,1,3]

One fit per seed with ``min_document_words=0`` (no atom set apart for its words); for every
threshold the atoms whose :func:`~bertopic_saetm.emission.profiles.document_words` is below
it join the background, the documents each content atom heads are counted again and the
atoms are re-merged at every K, as a fit with that ``min_document_words`` merges them.
Prints the least wordy content atoms of each fit, then NPMI (top 10 words, gensim c_npmi,
the corpus as reference) / TD@25 / purity (labelled corpora) per K, mean over seeds, with
the number of atoms the threshold sets apart ("-": a K above some fit's content atoms).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpora import add_corpus_arguments, corpus_ks, load_corpus  # noqa: E402

from bertopic_saetm import SAETopicModel  # noqa: E402
from bertopic_saetm.emission.profiles import document_words, profile_statistics  # noqa: E402
from bertopic_saetm.evaluation import ReferenceCorpus, coherence, topic_diversity  # noqa: E402
from bertopic_saetm.evaluation.agreement import purity  # noqa: E402
from bertopic_saetm.merge.background import wordless_atoms  # noqa: E402
from bertopic_saetm.merge.weights import main_atom_counts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--thresholds", default="0,0.5,1,3")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus, args.data, args.sample)
    ks = corpus_ks(args.corpus, args.k)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    scores = {t: {k: [] for k in ks} for t in thresholds}
    for seed in (int(s) for s in args.seeds.split(",")):
        model = SAETopicModel(n_topics=ks[0], random_state=seed, min_document_words=0.0)
        model.fit(corpus.docs, corpus.embeddings)
        reference = ReferenceCorpus.for_model(model, corpus.docs)
        theta = sp.csr_matrix(model.transform_atoms(embeddings=corpus.embeddings))
        counts = model.vectorizer_.transform(corpus.docs)
        density = document_words(*profile_statistics(theta, counts))
        diffuse = model.background_atoms_.copy()
        content = ~diffuse & (model.atom_prior_ > 0)
        print(f"seed {seed}: least wordy content atoms "
              f"{np.round(np.sort(density[content])[:5], 2).tolist()} damped words a document",
              flush=True)
        for threshold in thresholds:
            background = diffuse | wordless_atoms(density, model.atom_prior_, threshold)
            model.background_atoms_ = background
            model.atom_main_documents_ = main_atom_counts(
                theta, ~background & (model.atom_prior_ > 0))
            for k in ks:
                if k > (~background & (model.atom_prior_ > 0)).sum():
                    continue  # more topics than this dictionary's content atoms
                model.set_n_topics(k)
                words = [[w for w, _ in topic] for topic in model.get_topics(25)]
                main_topics = model.main_topics_of(theta)
                scores[threshold][k].append((
                    np.nanmean(coherence(words, reference)), topic_diversity(words, 25),
                    np.nan if corpus.labels is None else purity(main_topics, corpus.labels),
                    int((background & ~diffuse).sum())))
    print(f"{args.corpus}, {len(corpus.docs)} documents, seeds {args.seeds}: "
          "NPMI / TD@25 / purity (atoms set apart)")
    print(f"{'min_document_words':18s}" + "".join(f"{'K = ' + str(k):>28s}" for k in ks))
    for threshold, by_k in scores.items():
        cells = [" / ".join(f"{np.mean([s[i] for s in v]):.3f}" for i in range(3))
                 + f" ({np.mean([s[3] for s in v]):.1f})" if v else "-" for v in by_k.values()]
        print(f"{threshold:<18g}" + "".join(f"{c:>28s}" for c in cells))


if __name__ == "__main__":
    main()
