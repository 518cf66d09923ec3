"""BERTopic's private API as the backends use it: present in the installed BERTopic, and a
clear report when a release removes or changes it."""

import numpy as np
import pytest

from bertopic_saetm.backends import bertopic_internals as internals


def test_installed_bertopic_provides_every_internal_the_backends_use():
    problems = internals.check_internals()
    assert problems == [], "BERTopic changed under SAE-TM's backends:\n" + "\n".join(problems)


def test_a_removed_internal_is_named(monkeypatch):
    from bertopic import BERTopic

    monkeypatch.delattr(BERTopic, "_save_representative_docs")
    problems = internals.check_internals()
    assert len(problems) == 1
    assert "bertopic.BERTopic._save_representative_docs no longer exists" in problems[0]
    assert "checked against 0.17.4" in problems[0] and "installed BERTopic" in problems[0]


def test_a_changed_signature_is_named(monkeypatch):
    from bertopic import BERTopic

    monkeypatch.setattr(BERTopic, "_create_topic_vectors",
                        lambda self, docs=None, embeddings=None, mappings=None: None)
    problems = internals.check_internals()
    assert len(problems) == 1 and "no longer takes ['documents']" in problems[0]


def test_a_changed_documents_table_is_named(monkeypatch):
    from bertopic import BERTopic

    def by_label(self, documents):  # a release that reads another column
        self.topics_ = documents["Label"].tolist()

    monkeypatch.setattr(BERTopic, "_update_topic_size", by_label)
    problems = internals.check_internals()
    assert len(problems) == 1 and "documents table no longer works" in problems[0]


def test_ctfidf_weights_are_read_and_replaced():
    import scipy.sparse as sp
    from bertopic.vectorizers import ClassTfidfTransformer

    counts = sp.csr_matrix(np.array([[3.0, 1.0], [1.0, 2.0]]))
    source, target = ClassTfidfTransformer().fit(counts), ClassTfidfTransformer().fit(counts)
    internals.set_ctfidf_idf(source, [0.5, 2.0])
    np.testing.assert_array_equal(internals.ctfidf_idf(source), [0.5, 2.0])
    internals.copy_ctfidf_weights(source, target)
    np.testing.assert_array_equal(target.transform(counts).toarray(),
                                  source.transform(counts).toarray())


def test_frame_contents_reads_tables_with_and_without_ids():
    import pandas as pd

    table = internals.documents_frame(["a", "b", "c"], np.array([0, 1, 0]))
    assert list(table.columns) == list(internals.FRAME_COLUMNS)
    texts, rows, topics = internals.frame_contents(table)
    assert texts == ["a", "b", "c"] and rows.tolist() == [0, 1, 2] and topics.tolist() == [0, 1, 0]
    no_ids = pd.DataFrame({"Document": ["c", "a"], "Topic": [1, 1]}, index=[2, 0])
    assert internals.frame_contents(no_ids)[1].tolist() == [2, 0]


@pytest.mark.parametrize("internal", internals.INTERNALS, ids=lambda i: i.name)
def test_every_checked_internal_is_one_a_wrapper_uses(internal):
    # The checked list stays honest: each name is called by one of the named functions.
    import inspect

    wrappers = [function for name, function in inspect.getmembers(internals, inspect.isfunction)
                if function.__module__ == internals.__name__ and not name.startswith("_")
                and name != "check_internals"]
    assert any(internal.name in inspect.getsource(function) for function in wrappers)
