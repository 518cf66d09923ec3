"""Every BERTopic figure works on a model fitted with SAE-TM components."""

import numpy as np
import pytest

from bertopic_saetm import backends


@pytest.fixture(scope="module")
def figures(bertopic_fit, corpus):
    topic_model, _, _, probs = bertopic_fit
    texts = corpus.texts
    years = (2000 + np.arange(len(texts)) % 6).tolist()
    hierarchy = topic_model.hierarchical_topics(texts)
    return {
        "topics": topic_model.visualize_topics(),
        "documents": topic_model.visualize_documents(
            texts, reduced_embeddings=backends.document_coordinates(topic_model, random_state=0)),
        "hierarchy": topic_model.visualize_hierarchy(hierarchical_topics=hierarchy),
        "heatmap": topic_model.visualize_heatmap(),
        "barchart": topic_model.visualize_barchart(top_n_topics=8),
        "term_rank": topic_model.visualize_term_rank(),
        "topics_over_time": topic_model.visualize_topics_over_time(
            topic_model.topics_over_time(texts, years)),
        "soft_topics_over_time": topic_model.visualize_topics_over_time(
            backends.topics_over_time(topic_model, years)),
        "distribution": topic_model.visualize_distribution(probs[0], min_probability=0.0),
    }


@pytest.mark.parametrize("name", ["topics", "documents", "hierarchy", "heatmap", "barchart",
                                  "term_rank", "topics_over_time", "soft_topics_over_time",
                                  "distribution"])
def test_figure_is_drawn(figures, name):
    import plotly.graph_objects as go

    figure = figures[name]
    assert isinstance(figure, go.Figure)
    assert len(figure.data) > 0


def test_figures_show_sae_tm_topic_words(figures, bertopic_fit):
    topic_model, _, _, _ = bertopic_fit
    first_words = [w for w, _ in topic_model.get_topic(0)][:3]
    bar = figures["barchart"].data[0]
    assert list(bar.y[::-1][:3]) == [f"{w}  " for w in first_words]


def test_heatmap_reflects_topic_embeddings(figures, bertopic_fit):
    topic_model, _, _, _ = bertopic_fit
    E = topic_model.topic_embeddings_
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(figures["heatmap"].data[0].z), unit @ unit.T,
                               atol=1e-6)


def test_distribution_figure_shows_the_document_mixture(figures, bertopic_fit):
    _, _, _, probs = bertopic_fit
    bars = figures["distribution"].data[0]
    np.testing.assert_allclose(sorted(bars.x), sorted(probs[0]))
