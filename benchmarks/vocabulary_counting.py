"""The default vocabulary counted in bulk (``vocabulary.count_words``) against scikit-learn's
``default_vectorizer().fit_transform``, on the same documents.

    python benchmarks/vocabulary_counting.py [--corpora 20ng,bundled] [--repeats 2]

Prints, per corpus, the best of ``--repeats`` timings of each and whether the two give the
same words and the same count matrix.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from foundation_vs_corpus import add_corpus_arguments, load

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
    add_corpus_arguments(parser)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for name in args.corpora.split(","):
        docs, _, _ = load(name, args.data)
        bulk_s, (counts, words) = best_time(count_words, docs, args.repeats)
        sklearn_s, (expected, expected_words) = best_time(sklearn_counts, docs, args.repeats)
        same = np.array_equal(words, expected_words) and (counts != expected).nnz == 0
        print(f"{name}: count_words {bulk_s:.2f} s, default_vectorizer().fit_transform "
              f"{sklearn_s:.2f} s (best of {args.repeats}); {len(words)} words, "
              f"same matrix and words: {same}", flush=True)


if __name__ == "__main__":
    main()
