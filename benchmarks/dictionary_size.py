"""Topic quality and fit time against the size of the corpus-trained dictionary.

    python benchmarks/dictionary_size.py [--corpora 20ng,bundled] [--atoms auto,paper,384]
        [--seeds 0,1,2] [--k 20,50,100,200] [--params '{"background_share": 0.25}']
        [--sae-config '{"min_steps": 1500}'] [--sample N] [--data ../shared/data]
        [-o benchmarks/results/dictionary_size.json]

For each corpus, dictionary and seed: one SAETopicModel fit at the first K (defaults
otherwise; ``auto`` is the default size rule, ``paper`` is ``SAETrainingConfig.paper()``
with 4 x d atoms, ``sparser`` is ``SAETrainingConfig.sparser()``, a number fixes
``n_atoms``), re-topicked to every other K. Prints NPMI, TD@25, purity of the main topics
(``predict``) against the labels, the largest content topic's share of the documents (mean,
and on the worst seed) and the share whose main topic is -1 (as
``benchmarks/foundation_vs_corpus.py``), then the number of atoms, how many never fire, the
number of content atoms (the largest K the model can give), the SAE's explained variance,
the mean number of atoms firing per document (L0), the purity of the documents grouped by
their strongest content atom ("atom purity"), its steps and the fit time of each stage. A K
the model cannot give is recorded with the error and printed as nan. ``--sample N`` fits a
random sample of N documents of every corpus (NPMI on the sample itself). Run it alone on
the machine: stage times are wall times. Corpora as in ``benchmarks/corpora.py``; writes a
stamped result file (``benchmarks/common.py``), one row per corpus, dictionary, seed and K.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import RESULTS, Result, model_scores, parse_ints
from corpora import add_corpus_arguments, corpus_ks, load_corpus

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import ReferenceCorpus, purity
from bertopic_saetm.merge.weights import main_atoms
from bertopic_saetm.sae import SAETrainingConfig

METRICS = ("npmi", "td25", "purity", "largest", "outliers")
STAGES = ("vocabulary", "sae", "word_emission", "merge", "total")
# The bundled corpus has 15 subject areas and 1,576 documents.
KS = {"bundled": (15, 30)}


def fit_once(docs, embeddings, atoms: str, k: int, seed: int, params: dict,
             sae_config: dict):
    """A fitted model and its wall time; ``atoms``: "auto", "paper", "sparser" or a number
    of atoms."""
    if atoms == "paper":
        config = SAETrainingConfig.paper(**sae_config)
    elif atoms == "sparser":
        config = SAETrainingConfig.sparser(**sae_config)
    else:
        sizing = {} if atoms == "auto" else {"n_atoms": int(atoms)}
        config = SAETrainingConfig(**sizing, **sae_config)
    tick = time.perf_counter()
    model = SAETopicModel(n_topics=k, sae_config=config, random_state=seed, **params)
    model.fit(docs, embeddings)
    return model, time.perf_counter() - tick


def atom_facts(model, embeddings, labels) -> tuple[float, float]:
    """Mean number of atoms firing per document (L0), and the purity of the documents
    grouped by their strongest content atom (``merging.main_atoms``, the atoms the merge
    counts): how clean the atoms are as document clusters, which bounds how pure any
    main-topic rule that follows the head atom can be."""
    theta = model.transform_atoms(embeddings=embeddings)
    content = (model.atom_prior_ > 0) & ~model.background_atoms_
    atom_purity = np.nan if labels is None else purity(main_atoms(theta, content), labels)
    return float(np.diff(theta.indptr).mean()), atom_purity


def row(label: str, per_seed: list, models: list, ks: list[int], facts: list) -> str:
    """One markdown row: metrics per K (means over seeds), dictionary facts, stage times."""
    def mean(values):  # None (no labels) and nan (a K the model cannot give) as nan
        return np.mean([np.nan if v is None else v for v in values])

    cells = [" / ".join(f"{mean([r[i][m] for r in per_seed]):.3f}" for i in range(len(ks)))
             for m in METRICS]
    # The worst seed's largest topic: a junk topic on one seed in ten hides in the mean.
    cells.append(" / ".join(f"{np.max([r[i]['largest'] for r in per_seed]):.3f}"
                            for i in range(len(ks))))
    atoms = models[0].sae_.d_sae
    silent = np.mean([int((m.atom_prior_ <= 0).sum()) for m in models])
    # The largest K the model can give.
    content = np.mean([int(((m.atom_prior_ > 0) & ~m.background_atoms_).sum()) for m in models])
    ev = np.mean([m.sae_report_["explained_variance"] for m in models])
    steps = np.mean([m.sae_report_["steps"] for m in models])
    times = " / ".join(f"{np.mean([m.fit_seconds_.get(s, 0.0) for m in models]):.1f}"
                       for s in STAGES)
    l0, atom_purity = np.mean(facts, axis=0)
    return (f"| {label} | " + " | ".join(cells) +
            f" | {atoms} | {silent:.0f} | {content:.0f} | {ev:.2f} | {l0:.1f}"
            f" | {atom_purity:.3f} | {steps:.0f}"
            f" | {times} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser, many=True)
    parser.add_argument("--atoms", default="auto,paper")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--params", default="{}", help="other SAETopicModel parameters, JSON")
    parser.add_argument("--sae-config", default="{}",
                        help="other SAETrainingConfig fields, JSON")
    parser.add_argument("-o", "--out", type=Path, default=RESULTS / "dictionary_size.json")
    args = parser.parse_args()
    params = json.loads(args.params)
    result = Result(args.out, "dictionary_size", args.corpora,
                    {"atoms": args.atoms.split(","), "seeds": parse_ints(args.seeds),
                     "k": args.k, "sample": args.sample, "params": params,
                     "sae_config": json.loads(args.sae_config)})
    for name in args.corpora.split(","):
        corpus = load_corpus(name, args.data, args.sample)
        docs, labels, embeddings = corpus.docs, corpus.labels, corpus.embeddings
        ks = corpus_ks(name, args.k, KS)
        print(f"\n{name}: {len(docs)} documents; K = {' / '.join(map(str, ks))}, mean over "
              f"seeds {args.seeds}; params {params}, SAE {args.sae_config}")
        print("| atoms | " + " | ".join(METRICS) + " | largest, worst seed | n_atoms | silent "
              "| content | EV | L0 | atom purity | steps | seconds " + " / ".join(STAGES) + " |")
        print("|---" * (len(METRICS) + 10) + "|")
        reference = None
        for atoms in args.atoms.split(","):
            per_seed, models, facts = [], [], []
            for seed in parse_ints(args.seeds):
                model, _ = fit_once(docs, embeddings, atoms, ks[0], seed, params,
                                    json.loads(args.sae_config))
                if reference is None:
                    reference = ReferenceCorpus.for_model(model, docs)
                per_k = []
                for k in ks:
                    try:
                        model.set_n_topics(k)
                    except ValueError as error:  # more topics than this model can give
                        per_k.append(dict.fromkeys(METRICS, float("nan")))
                        result.add({"corpus": name, "atoms": atoms, "seed": seed, "k": k,
                                    "error": str(error)})
                        continue
                    per_k.append(model_scores(model, embeddings, labels, reference))
                    result.add({"corpus": name, "atoms": atoms, "seed": seed, "k": k,
                                "n_atoms": int(model.sae_.d_sae),
                                "fit_seconds": dict(model.fit_seconds_), **per_k[-1]})
                per_seed.append(per_k)
                models.append(model)
                facts.append(atom_facts(model, embeddings, labels))
            print(row(atoms, per_seed, models, ks, facts), flush=True)


if __name__ == "__main__":
    main()
