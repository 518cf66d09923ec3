"""scikit-learn's estimator contract for SAETopicModel.

scikit-learn's own checks that apply are run as they are (``SKLEARN_CHECKS``):
check_estimator_cloneable, check_estimator_tags_renamed, check_valid_tag_types,
check_estimator_repr, check_no_attributes_set_in_init, check_mixin_order,
check_parameters_default_constructible, check_get_params_invariance, check_set_params,
check_do_not_raise_errors_in_init_or_set_params, check_transformers_unfitted (transform
before fit raises NotFittedError), check_get_feature_names_out_error and
check_param_validation (every parameter has a constraint, and a bad value raises
InvalidParameterError from fit and fit_transform before anything else happens).

The checks that fit on data do not apply as written: they call ``fit(X, y)`` with a numeric
2-D array ``X``, while SAETopicModel fits on documents (a list of str, plus optional
embeddings as the second argument, BERTopic's ``fit_transform(docs, embeddings)``
convention). Its tags say so (``input_tags.two_d_array=False``, ``string=True``), which is
why ``check_estimator`` skips the estimator altogether. What those checks verify is checked
here on the bundled corpus instead:

- check_estimators_fit_returns_self, check_fit_check_is_fitted,
  check_n_features_in_after_fitting: ``test_fit_returns_self_and_is_then_fitted``;
- check_dont_overwrite_parameters, check_estimators_overwrite_params:
  ``test_fit_changes_no_parameter``;
- check_fit_idempotent: ``test_refitting_gives_the_same_model``;
- check_dict_unchanged: ``tests/test_topic_model.py::test_transform_does_not_change_fitted_state``;
- check_methods_subset_invariance, check_methods_sample_order_invariance:
  ``test_transform_is_row_wise``.

Not applicable at all: check_fit_score_takes_y (the second argument is ``embeddings``, not
``y``: SAE-TM is unsupervised); the sample-weight checks (no sample weights); the classifier,
regressor, cluster and outlier checks (it is none of those); check_estimators_pickle (the
supported persistence is ``save`` / ``load``, safetensors + JSON, never pickle); the
set_output checks (no ``TransformerMixin``: ``transform`` takes documents or embeddings by
keyword); the array-API checks (inputs are documents; the numerics run in numpy, numba and
torch).
"""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

from bertopic_saetm import SAETopicModel

from .helpers import TINY_SAE

SKLEARN_CHECKS = (
    "check_estimator_cloneable", "check_estimator_tags_renamed", "check_valid_tag_types",
    "check_estimator_repr", "check_no_attributes_set_in_init", "check_mixin_order",
    "check_parameters_default_constructible", "check_get_params_invariance",
    "check_set_params", "check_do_not_raise_errors_in_init_or_set_params",
    "check_transformers_unfitted", "check_get_feature_names_out_error",
    "check_param_validation",
)


@pytest.mark.parametrize("name", SKLEARN_CHECKS)
def test_scikit_learn_check(name):
    getattr(estimator_checks, name)("SAETopicModel", SAETopicModel())


def test_check_estimator_skips_a_text_estimator():
    tags = SAETopicModel().__sklearn_tags__()
    assert not tags.input_tags.two_d_array and tags.input_tags.string and tags.requires_fit


PARAMS = dict(n_topics=5, sae_config=TINY_SAE, random_state=0, word_vectors="decoder")


@pytest.fixture(scope="module")
def small(corpus):
    return corpus.texts[:400], corpus.embeddings[:400]


def test_fit_returns_self_and_is_then_fitted(small):
    model = SAETopicModel(**PARAMS)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.fit(*small) is model
    check_is_fitted(model)
    assert model.n_features_in_ == small[1].shape[1]


def test_fit_changes_no_parameter(small):
    model = SAETopicModel(**PARAMS)
    before = joblib.hash(model.get_params())
    model.fit(*small)
    assert joblib.hash(model.get_params()) == before


def test_refitting_gives_the_same_model(small):
    model = SAETopicModel(**PARAMS)
    first = model.fit(*small).transform(embeddings=small[1])
    topics = model.get_topics()
    np.testing.assert_array_equal(model.fit(*small).transform(embeddings=small[1]), first)
    assert model.get_topics() == topics
    assert clone(model).get_params()["random_state"] == 0


def test_transform_is_row_wise(fitted, corpus):
    X = corpus.embeddings[:300]
    full = fitted.transform(embeddings=X)
    np.testing.assert_allclose(fitted.transform(embeddings=X[100:180]), full[100:180])
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(fitted.transform(embeddings=X[order]), full[order])
