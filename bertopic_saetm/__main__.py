"""Command line: ``saetm demo`` fits SAE-TM on the bundled corpus and prints its topics."""

from __future__ import annotations

import argparse
import logging
import sys
import time


def _demo(args) -> int:
    from . import SAETopicModel
    from .datasets import load_python_docs

    corpus = load_python_docs()
    print(f"Bundled corpus: {len(corpus.texts)} Python standard-library docstrings "
          f"in {len(set(corpus.labels))} subject areas (PSF-2.0 licence).")
    embeddings = None if args.embed else corpus.embeddings
    model = SAETopicModel(n_topics=args.n_topics, random_state=args.seed, verbose=args.verbose)
    model.fit(corpus.texts, embeddings)
    report = model.sae_report_
    print(f"SAE: {model.atoms_.shape[0]} atoms, explained variance "
          f"{report['explained_variance']:.3f}, mean L0 {report['mean_l0']:.1f}, "
          f"dead atoms {report['dead_atoms']}")
    print("Fit seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in model.fit_seconds_.items()))
    _print_topics(model, args.top_n)
    for k in args.retopic:
        tick = time.perf_counter()
        model.set_n_topics(k)
        print(f"\nRe-merged into {k} topics in {time.perf_counter() - tick:.2f}s "
              "(no retraining):")
        _print_topics(model, args.top_n)
    if args.output:
        print(f"\nModel saved to {model.save(args.output)}")
    return 0


def _print_topics(model, top_n: int) -> None:
    print(f"{'topic':>5}  {'share':>5}  top words")
    for i, words in enumerate(model.get_topics(top_n)):
        print(f"{i:>5}  {model.topic_prior_[i]:>5.3f}  " + " ".join(w for w, _ in words))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="saetm", description="SAE-TM topic models.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit on the bundled corpus and print topics")
    demo.add_argument("--n-topics", type=int, default=15)
    demo.add_argument("--retopic", type=int, nargs="*", default=[6],
                      help="re-merge into these numbers of topics afterwards")
    demo.add_argument("--top-n", type=int, default=8)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--embed", action="store_true",
                      help="embed the corpus with MiniLM instead of using shipped embeddings")
    demo.add_argument("-o", "--output", help="save the fitted model to this folder")
    demo.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(name)s: %(message)s")
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
