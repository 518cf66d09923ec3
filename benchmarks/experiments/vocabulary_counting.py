"""Decision: the default vocabulary counted in bulk (docs/benchmarks.md, fit speed).

The default vocabulary counted in bulk (``vocabulary.count_words``) against scikit-learn's
``default_vectorizer().fit_transform``, on the same documents.

    python benchmarks/experiments/vocabulary_counting.py [--corpora 20ng,bundled] [--repeats 2]

Prints, per corpus, the best of ``--repeats`` timings of each and whether the two give the
same words and the same count matrix.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from corpora import add_corpus_arguments, load_corpus  # noqa: E402

from bertopic_saetm.text.vocabulary import count_words, default_vectorizer


def sklearn_counts(docs):
    vectorizer = default_vectorizer()
    return vectorizer.fit_transform(docs), vectorizer.get_feature_names_out()


def best_time(function, docs, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        tick = time.perf_counter()
        result = function(docs)
        times.append(time.perf_counter() - tick)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser, many=True)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for name in args.corpora.split(","):
        corpus = load_corpus(name, args.data, args.sample)
        docs, _ = corpus.docs, None
        bulk_s, (counts, words) = best_time(count_words, docs, args.repeats)
        sklearn_s, (expected, expected_words) = best_time(sklearn_counts, docs, args.repeats)
        same = np.array_equal(words, expected_words) and (counts != expected).nnz == 0
        print(f"{name}: count_words {bulk_s:.2f} s, default_vectorizer().fit_transform "
              f"{sklearn_s:.2f} s (best of {args.repeats}); {len(words)} words, "
              f"same matrix and words: {same}", flush=True)


if __name__ == "__main__":
    main()
