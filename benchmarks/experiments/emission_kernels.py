"""Decision: serial nogil emission kernels on threads (docs/benchmarks.md, fit speed).

The word emission's numba kernels: compilation on a cold cache, and the EM on one thread
and on all of numba's threads.

    python benchmarks/experiments/emission_kernels.py [--corpora 20ng,bundled] [--seed 0]

Cold compile: a fresh interpreter, with an empty numba cache (``NUMBA_CACHE_DIR`` set to a
temporary folder for that process only), runs ``fit_word_emission`` twice on a small random
problem; the first call less the second is the compilation. Then, per corpus, one default
``SAETopicModel`` fit: its training mixtures and bag-of-words go through
``fit_word_emission`` with 1 thread and with ``numba.get_num_threads()`` threads (best of
2 each); prints the times, the EM passes and whether the two fits are identical.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from corpora import add_corpus_arguments, load_corpus  # noqa: E402

from bertopic_saetm import SAETopicModel
from bertopic_saetm.emission.em import fit_word_emission
from bertopic_saetm.sae.mixtures import normalise_activations

COLD = textwrap.dedent("""
    import time
    import numpy as np, scipy.sparse as sp
    from bertopic_saetm.emission.em import fit_word_emission
    rng = np.random.default_rng(0)
    theta = sp.csr_matrix(rng.dirichlet(np.full(16, 0.2), size=300))
    counts = sp.csr_matrix(rng.poisson(0.2, size=(300, 200)).astype(float))
    times = []
    for _ in range(2):
        tick = time.perf_counter()
        fit_word_emission(theta, counts, max_iter=5)
        times.append(time.perf_counter() - tick)
    print(times[0], times[1])
""")


def cold_compile_seconds() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", COLD], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    first, second = float(out[-2]), float(out[-1])
    return first, second


def timed_fit(theta, counts, threads: int):
    numba.set_num_threads(threads)
    best, result = np.inf, None
    for _ in range(2):
        tick = time.perf_counter()
        result = fit_word_emission(theta, counts)
        best = min(best, time.perf_counter() - tick)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser, many=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    first, second = cold_compile_seconds()
    print(f"cold cache: first fit_word_emission {first:.2f} s, second {second:.2f} s "
          f"(compilation about {first - second:.2f} s)", flush=True)
    threads = numba.get_num_threads()
    for name in args.corpora.split(","):
        corpus = load_corpus(name, args.data, args.sample)
        docs, embeddings = corpus.docs, corpus.embeddings
        model = SAETopicModel(random_state=args.seed).fit(docs, embeddings)
        theta = normalise_activations(model.transform_atoms(embeddings=embeddings))
        counts = model.vectorizer_.transform(docs)
        one_s, one = timed_fit(theta, counts, 1)
        all_s, many = timed_fit(theta, counts, threads)
        same = (np.array_equal(one.atom_word, many.atom_word)
                and np.array_equal(one.background, many.background))
        print(f"{name}: EM {one_s:.2f} s on 1 thread, {all_s:.2f} s on {threads} "
              f"({one.n_iter} passes; identical: {same})", flush=True)


if __name__ == "__main__":
    main()
