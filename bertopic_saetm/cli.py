"""``saetm`` commands. Each parses its arguments and calls the library; nothing else."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Mistakes a user can make (missing file, bad column, empty corpus...): one line, exit 2.
USER_ERRORS = (FileNotFoundError, FileExistsError, NotADirectoryError, PermissionError,
               ValueError, TypeError, ImportError)


def _corpus(args):
    from .text.corpus import read_corpus

    return read_corpus(args.corpus, text_field=args.text_field,
                       label_field=getattr(args, "labels", None))


def _load(model_dir):
    from . import SAETopicModel

    return SAETopicModel.load(model_dir)


def _embeddings(path, n_documents):
    if path is None:
        return None
    embeddings = np.load(path, mmap_mode="r")  # read the header only, to check the rows
    if embeddings.ndim != 2 or embeddings.shape[0] != n_documents:
        raise ValueError(f"{path} has shape {embeddings.shape} but the corpus has "
                         f"{n_documents} documents (one embedding row each).")
    return np.array(embeddings, dtype=np.float32)


def print_topics(model, top_n: int, out=None) -> None:
    """A table: topic id, share of the corpus, atoms, top words."""
    out = out if out is not None else sys.stdout
    atoms = np.bincount(model.atom_to_topic_[model.atom_to_topic_ >= 0],
                        minlength=model.n_topics_)
    print(f"{'topic':>5}  {'share':>6}  {'atoms':>5}  top words", file=out)
    for i, words in enumerate(model.get_topics(top_n)):
        print(f"{i:>5}  {model.topic_prior_[i]:>6.3f}  {atoms[i]:>5}  "
              + " ".join(w for w, _ in words), file=out)
    background = model.background_atoms_
    if background.any():
        print(f"{-1:>5}  {model.atom_prior_[background].sum():>6.3f}  {background.sum():>5}  "
              "(background: diffuse atoms, in no topic)", file=out)


def cmd_atoms(args) -> int:
    from .inspection import summarise_atoms

    model = _load(args.model_dir)
    activations, texts = None, None
    if args.corpus is not None:
        corpus = _corpus(args)
        texts = corpus.texts
        activations = model.sae_.encode_sparse(
            model.embed_documents(texts) if args.embeddings is None
            else _embeddings(args.embeddings, len(texts)))
    for atom in summarise_atoms(model, activations, top=args.top, n_words=args.top_n):
        where = "background" if atom.topic < 0 else f"topic {atom.topic}"
        fires = f", fires on {atom.n_documents} documents" if activations is not None else ""
        print(f"atom {atom.atom} (prior {atom.prior:.4f}, {where}{fires}): "
              + " ".join(w for w, _ in atom.words))
        for index, value in atom.documents:
            snippet = " ".join(texts[index].split())[:100]
            print(f"    {value:7.2f}  #{index}  {snippet}")
    return 0


#: Training presets of ``saetm fit --preset``.
PRESETS = ("sized", "sparser", "paper")


class _DeprecatedPreset(argparse.Action):
    """``--dictionary``: the old name of ``--preset``, accepted with a warning."""

    def __call__(self, parser, namespace, values, option_string=None):
        print("saetm: --dictionary is now --preset; the old name goes in 0.3.",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def cmd_fit(args) -> int:
    from . import SAETopicModel, SAETrainingConfig

    corpus = _corpus(args)
    n_topics = args.n_topics if args.n_topics == "auto" else int(args.n_topics)
    presets = {"sized": SAETrainingConfig, "sparser": SAETrainingConfig.sparser,
               "paper": SAETrainingConfig.paper}
    sizing = {} if args.max_topics is None else {"max_topics": args.max_topics}
    params = dict(n_topics=n_topics, random_state=args.seed, verbose=not args.quiet,
                  sae_config=presets[args.preset](device=args.device, **sizing))
    activations = None
    if args.sae and ":" in args.sae and not Path(args.sae).exists():
        activations, params["sae"] = _release_activations(args, corpus.texts)
    elif args.sae:
        params["sae"] = args.sae
    model = SAETopicModel(**params)
    embeddings = None if activations is not None else _embeddings(args.embeddings,
                                                                  len(corpus.texts))
    model.fit(corpus.texts, embeddings, activations=activations)
    path = model.save(args.output)
    print(f"Fitted {model.n_topics_} topics on {len(corpus.texts)} documents in "
          f"{model.fit_seconds_['total']:.1f}s; saved to {path}")
    print_topics(model, args.top_n)
    return 0


def _release_activations(args, texts):
    from sae_lens_bridge import document_atom_activations, load_dictionary, load_language_model

    release, sae_id = args.sae.split(":", 1)
    device = args.device if args.device != "auto" else "cpu"
    dictionary = load_dictionary(release, sae_id, device=device)
    lm = load_language_model(dictionary, device=device)
    return document_atom_activations(lm, dictionary, texts, verbose=not args.quiet), \
        dictionary.sae


def cmd_topics(args) -> int:
    print_topics(_load(args.model_dir), args.top_n)
    return 0


def cmd_retopic(args) -> int:
    model = _load(args.model_dir)
    tick = time.perf_counter()
    model.set_n_topics(args.n_topics if args.n_topics == "auto" else int(args.n_topics))
    model.save(args.model_dir)
    print(f"Re-merged into {model.n_topics_} topics in {time.perf_counter() - tick:.2f}s "
          "(no retraining).")
    print_topics(model, args.top_n)
    return 0


def cmd_transform(args) -> int:
    model = _load(args.model_dir)
    corpus = _corpus(args)
    theta = model.transform(corpus.texts, _embeddings(args.embeddings, len(corpus.texts)))
    out = Path(args.output)
    if out.suffix == ".csv":
        header = ",".join(model.get_feature_names_out())
        np.savetxt(out, theta, delimiter=",", header=header, comments="", fmt="%.6g")
    else:
        np.save(out, theta)
    print(f"Topic mixtures {theta.shape} written to {out}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluation import ReferenceCorpus, evaluate

    model = _load(args.model_dir)
    corpus = _corpus(args)
    assignments = None
    if corpus.labels is not None:
        assignments = model.predict(corpus.texts,
                                    _embeddings(args.embeddings, len(corpus.texts)))
    scores = evaluate(model, reference=ReferenceCorpus.for_model(model, corpus.texts),
                      labels=corpus.labels, assignments=assignments, c_v=not args.no_cv)
    if args.json:
        print(json.dumps(scores, indent=1))
    else:
        for name, value in scores.items():
            print(f"{name:>10}  {value:.4f}" if isinstance(value, float) else
                  f"{name:>10}  {value}")
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    model = _load(args.model_dir)
    corpus = _corpus(args)
    ks = [int(k) for k in args.k.split(",")] if args.k else None
    path = write_report(args.output, model, corpus.texts,
                        embeddings=_embeddings(args.embeddings, len(corpus.texts)),
                        labels=corpus.labels, ks=ks, document_map=not args.no_document_map)
    print(f"Report written to {path}")
    return 0


def cmd_export_sae(args) -> int:
    from sae_lens_bridge import save_dictionary

    model = _load(args.model_dir)
    path = save_dictionary(model.sae_, args.output_dir)
    print(f"SAE ({model.sae_.d_sae} atoms, d_in {model.sae_.d_in}) written in SAE-Lens format "
          f"to {path}")
    return 0


def cmd_demo(args) -> int:
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
    print_topics(model, args.top_n)
    for k in args.retopic:
        tick = time.perf_counter()
        model.set_n_topics(k)
        print(f"\nRe-merged into {k} topics in {time.perf_counter() - tick:.2f}s "
              "(no retraining):")
        print_topics(model, args.top_n)
    if args.output:
        print(f"\nModel saved to {model.save(args.output)}")
    return 0


def _corpus_arguments(parser, labels: bool = False) -> None:
    parser.add_argument("corpus", help="text file (a document a line), .jsonl, .csv, "
                        ".parquet, or a folder of .txt files")
    parser.add_argument("--text-field", "--text-column", dest="text_field", default="text",
                        help="JSONL field / CSV or Parquet column with the text")
    parser.add_argument("--embeddings", help=".npy of document embeddings (one row a "
                        "document); default: embed with all-MiniLM-L6-v2")
    if labels:
        parser.add_argument("--labels", help="field / column with a label per document")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saetm", description="SAE-TM topic models.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="log details and show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser

    def command(name, **kwargs):
        return add(name, parents=[common], **kwargs)

    fit = command("fit", help="fit a model on a corpus and save it")
    _corpus_arguments(fit)
    fit.add_argument("--sae", help="pretrained SAE: minilm-foundation (shipped), an SAE-Lens "
                     "folder, or RELEASE:SAE_ID")
    fit.add_argument("--n-topics", default="20", help="number of topics, or 'auto'")
    fit.add_argument("--preset", choices=PRESETS, default="sized",
                     help="how the SAE is trained on the corpus: sized (default: 3 sqrt(n) "
                          "atoms, L1 2), sparser (twice the atoms, L1 3: purer main topics, "
                          "less coherent at small K), paper (4 x d atoms, 30 epochs); ignored "
                          "with --sae")
    # 0.1.0's name for --preset ("dictionary" now only means an SAE, as in --sae).
    fit.add_argument("--dictionary", choices=PRESETS, dest="preset", action=_DeprecatedPreset,
                     help=argparse.SUPPRESS)
    fit.add_argument("--max-topics", type=int, help="size the dictionary so that retopic can "
                     "give up to this many topics (at most a topic per 5 documents; a slower "
                     "fit)")
    fit.add_argument("--device", default="auto", help="auto, cpu or cuda")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--top-n", type=int, default=8)
    fit.add_argument("--quiet", action="store_true", help="no progress bars")
    fit.add_argument("-o", "--output", required=True, help="model folder to write")
    fit.set_defaults(run=cmd_fit)

    topics = command("topics", help="print the topics of a saved model")
    topics.add_argument("model_dir")
    topics.add_argument("--top-n", type=int, default=10)
    topics.set_defaults(run=cmd_topics)

    retopic = command("retopic", help="re-merge into K topics (no retraining)")
    retopic.add_argument("model_dir")
    retopic.add_argument("n_topics", help="number of topics, or 'auto'")
    retopic.add_argument("--top-n", type=int, default=8)
    retopic.set_defaults(run=cmd_retopic)

    transform = command("transform", help="topic mixtures of documents")
    transform.add_argument("model_dir")
    _corpus_arguments(transform)
    transform.add_argument("-o", "--output", required=True, help=".npy or .csv to write")
    transform.set_defaults(run=cmd_transform)

    evaluate = command("evaluate", help="NPMI, C_V, diversity (+ purity, NMI)")
    evaluate.add_argument("model_dir")
    _corpus_arguments(evaluate, labels=True)
    evaluate.add_argument("--no-cv", action="store_true", help="skip C_V (slower)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=cmd_evaluate)

    report = command("report", help="a self-contained HTML report of a model")
    report.add_argument("model_dir")
    _corpus_arguments(report, labels=True)
    report.add_argument("--k", help="numbers of topics to offer, e.g. 10,20,50")
    report.add_argument("--no-document-map", action="store_true",
                        help="skip the document map (the slowest figure)")
    report.add_argument("-o", "--output", required=True, help="HTML file to write")
    report.set_defaults(run=cmd_report)

    atoms = command("atoms", help="the strongest atoms: their words (and documents)")
    atoms.add_argument("model_dir")
    atoms.add_argument("corpus", nargs="?", help="corpus to show each atom's strongest "
                       "documents from (same formats as fit)")
    atoms.add_argument("--text-field", "--text-column", dest="text_field", default="text")
    atoms.add_argument("--embeddings", help=".npy of the corpus' embeddings")
    atoms.add_argument("--top", type=int, default=20, help="number of atoms")
    atoms.add_argument("--top-n", type=int, default=8, help="words per atom")
    atoms.set_defaults(run=cmd_atoms)

    export = command("export-sae", help="write the SAE in SAE-Lens format")
    export.add_argument("model_dir")
    export.add_argument("output_dir")
    export.set_defaults(run=cmd_export_sae)

    demo = command("demo", help="fit on the bundled corpus and print topics")
    demo.add_argument("--n-topics", type=int, default=15)
    demo.add_argument("--retopic", type=int, nargs="*", default=[6],
                      help="re-merge into these numbers of topics afterwards")
    demo.add_argument("--top-n", type=int, default=8)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--embed", action="store_true",
                      help="embed the corpus with MiniLM instead of using shipped embeddings")
    demo.add_argument("-o", "--output", help="save the fitted model to this folder")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``saetm`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(name)s: %(message)s")
    try:
        return args.run(args)
    except USER_ERRORS as exc:
        if args.verbose:
            raise
        print(f"saetm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
