"""A single self-contained HTML page describing a fitted SAE-TM model.

Topic table (words, share, atoms per topic) and BERTopic figures for the model's topics, a
selector over several numbers of topics (re-merged in advance, no retraining), and evaluation
figures when labels are given. plotly.js is embedded, so the page works offline.
"""

from __future__ import annotations

import copy
import html
import logging
from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4} .num{text-align:right} .k-view[hidden]{display:none}
h2{margin-top:2em;border-bottom:2px solid #eee}
"""

_SCRIPT = """
function showK(k){
  document.querySelectorAll('.k-view').forEach(function(view){
    view.hidden = view.dataset.k !== k;
    if(!view.hidden){view.querySelectorAll('.plotly-graph-div').forEach(function(div){
      Plotly.Plots.resize(div);});}
  });
}
document.getElementById('k-select').addEventListener('change', function(e){showK(e.target.value);});
showK(document.getElementById('k-select').value);
"""


def _topic_table(model, top_n: int) -> str:
    atoms = np.bincount(model.atom_to_topic_[model.atom_to_topic_ >= 0],
                        minlength=model.n_topics_)
    rows = "".join(
        f"<tr><td class='num'>{i}</td><td class='num'>{model.topic_prior_[i]:.3f}</td>"
        f"<td class='num'>{atoms[i]}</td><td>{html.escape(' '.join(w for w, _ in words))}</td>"
        "</tr>"
        for i, words in enumerate(model.get_topics(top_n)))
    return ("<table><tr><th>topic</th><th>share</th><th>atoms</th><th>top words</th></tr>"
            f"{rows}</table>")


def _figure(figure, div_id: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id)


def build_report(model, documents, embeddings=None, labels=None, ks=None, top_n: int = 10,
                 document_map: bool = True, title: str = "SAE-TM topic model") -> str:
    """The report as an HTML string.

    Parameters
    ----------
    model : SAETopicModel
        Fitted; it is not modified (the report works on a copy).
    documents : list of str
        The corpus to describe (normally the training corpus).
    embeddings : array-like of shape (n_documents, n_features), optional
        Embedded with the model's embedding model when omitted.
    labels : array-like of shape (n_documents,), optional
        Reference classes: adds purity / NMI and coherence per number of topics.
    ks : list of int, optional
        Numbers of topics offered by the selector; default the model's own plus 10, 20, 50
        (those the atoms allow).
    top_n : int, default=10
    document_map : bool, default=True
        Include the 2-D document map (a UMAP of the mixtures; the slowest part).
    title : str

    Returns
    -------
    str
    """
    from bertopic import BERTopic
    from plotly.offline import get_plotlyjs

    from .backends import SAETMBackend, document_coordinates, set_n_topics

    model = copy.deepcopy(model)
    check_is_fitted(model, "topic_word_")
    documents = list(documents)
    if embeddings is None:
        embeddings = model.embed_documents(documents)
    n_active = int((model.atom_prior_ > 0).sum())
    own = int(model.n_topics_)
    ks = sorted({own, *(k for k in (ks or (10, 20, 50)) if 1 <= k <= n_active)})

    backend = SAETMBackend.from_fitted(model)
    topic_model = BERTopic(**backend.components(documents), top_n_words=top_n)
    topic_model.fit_transform(documents, embeddings)
    summary = _summary(model, documents)  # before re-merging to other numbers of topics
    sections = [f"<h2>Topics and documents ({len(topic_model.get_topics())} topics)</h2>"]
    figures = {
        "Topic map": topic_model.visualize_topics() if own >= 5 else None,
        "Hierarchy": topic_model.visualize_hierarchy(
            hierarchical_topics=topic_model.hierarchical_topics(documents)),
        "Topic similarity": topic_model.visualize_heatmap(),
    }
    if document_map:
        figures["Document map"] = topic_model.visualize_documents(
            documents, reduced_embeddings=document_coordinates(topic_model),
            hide_document_hover=len(documents) > 5000)
    for index, (name, figure) in enumerate(figures.items()):
        if figure is not None:
            sections.append(f"<h3>{name}</h3>" + _figure(figure, f"figure-{index}"))

    views, scores = [], {}
    reference = None
    if labels is not None:
        from .evaluation import ReferenceCorpus

        reference = ReferenceCorpus.for_model(model, documents)
    for k in ks:
        set_n_topics(topic_model, k)
        bar = topic_model.visualize_barchart(top_n_topics=min(12, k), n_words=8)
        views.append(
            f"<div class='k-view' data-k='{k}'><h3>{backend.model.n_topics_} topics</h3>"
            + _topic_table(backend.model, top_n) + _figure(bar, f"barchart-{k}") + "</div>")
        if reference is not None:
            from .evaluation import evaluate

            scores[k] = evaluate(topic_model, reference=reference, labels=labels, c_v=False)
    options = "".join(f"<option value='{k}'{' selected' if k == own else ''}>{k} topics"
                      "</option>" for k in ks)
    selector = ("<h2>Topics at several granularities</h2><p>Re-merged from the same atoms, "
                "without retraining: <label>number of topics <select id='k-select'>"
                f"{options}</select></label></p>")
    body = [f"<h1>{html.escape(title)}</h1>", summary] + sections
    body += [selector] + views
    if scores:
        body.append(_evaluation(scores))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            + "\n".join(body) + f"<script>{_SCRIPT}</script></body></html>")


def _summary(model, documents) -> str:
    report = model.sae_report_ or {}
    facts = [("documents", len(documents)), ("atoms", model.sae_.d_sae),
             ("active atoms", int((model.atom_prior_ > 0).sum())),
             ("vocabulary", model.vocabulary_.size), ("topics", model.n_topics_)]
    if report:
        facts += [("SAE explained variance", f"{report['explained_variance']:.3f}"),
                  ("mean active atoms per document", f"{report['mean_l0']:.1f}")]
    rows = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in facts)
    return f"<table>{rows}</table>"


def _evaluation(scores: dict) -> str:
    import plotly.graph_objects as go

    ks = sorted(scores)
    figure = go.Figure()
    for metric in ("npmi", "td25", "purity", "nmi"):
        figure.add_trace(go.Scatter(x=ks, y=[scores[k][metric] for k in ks], name=metric,
                                    mode="lines+markers"))
    figure.update_layout(title="Evaluation against the labels", xaxis_title="topics",
                         xaxis_type="log", height=420)
    rows = "".join(
        f"<tr><td class='num'>{k}</td>" + "".join(
            f"<td class='num'>{scores[k][m]:.3f}</td>" for m in ("npmi", "td25", "purity", "nmi"))
        + "</tr>" for k in ks)
    return ("<h2>Evaluation</h2><table><tr><th>topics</th><th>NPMI</th><th>TD@25</th>"
            f"<th>purity</th><th>NMI</th></tr>{rows}</table>" + _figure(figure, "evaluation"))


def write_report(path, model, documents, **kwargs) -> Path:
    """Write :func:`build_report` to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(model, documents, **kwargs), encoding="utf-8")
    return path
