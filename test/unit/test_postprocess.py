# Copyright 2026 movinet_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.


"""Softmax and ranking: known answers, filters, thresholds, tie-breaks and config checks."""

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.labels import LabelError
from movinet_ros.core.postprocess import (
    Hypothesis, Ranker, RankingConfig, RankingConfigError, softmax)
import numpy as np
import pytest

LABELS = ('abseiling', 'bowling', 'carving ice', 'dancing', 'eating cake')


def ranked(probabilities, **config):
    ranker = Ranker(LABELS, RankingConfig(**config))
    return ranker.rank(np.asarray(probabilities, dtype=np.float32))


def test_softmax_known_values():
    result = softmax(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(result, [0.25, 0.75])


def test_softmax_is_stable_for_huge_logits():
    result = softmax(np.array([1000.0, 1000.0, -1000.0], dtype=np.float32))
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, [0.5, 0.5, 0.0], atol=1e-7)


@pytest.mark.parametrize('dtype, expected', [
    (np.float32, np.float32), (np.float64, np.float64), (np.int32, np.float64)])
def test_softmax_dtype(dtype, expected):
    assert softmax(np.arange(4).astype(dtype)).dtype == expected


def test_softmax_last_axis_of_a_batch():
    result = softmax(np.array([[0.0, 0.0], [0.0, 100.0]]))
    np.testing.assert_allclose(result.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(result[0], [0.5, 0.5])


def test_softmax_of_nothing_is_an_error():
    with pytest.raises(RankingConfigError):
        softmax(np.array([], dtype=np.float32))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.integers(1, 700),
                  elements=st.floats(-80, 80, width=32)))
def test_softmax_sums_to_one_and_keeps_order(logits):
    result = softmax(logits)
    assert result.dtype == np.float32
    assert abs(float(result.sum(dtype=np.float64)) - 1.0) < 1e-4
    assert np.all(result >= 0)
    # Monotonic: a larger logit never gets a smaller probability.
    order = np.argsort(logits, kind='stable')
    assert np.all(np.diff(result[order]) >= 0)


def test_top_k_highest_first():
    result = ranked([0.1, 0.05, 0.5, 0.15, 0.2], top_k=3)
    assert [h.label for h in result] == ['carving ice', 'eating cake', 'dancing']
    assert [h.class_id for h in result] == [2, 4, 3]
    assert result[0] == Hypothesis(2, 'carving ice', pytest.approx(0.5))
    assert all(type(h.class_id) is int and type(h.score) is float for h in result)


def test_top_k_larger_than_the_classes_returns_them_all():
    assert len(ranked([0.2] * 5, top_k=50)) == 5


def test_threshold_keeps_scores_at_or_above_it():
    result = ranked([0.1, 0.05, 0.5, 0.15, 0.2], top_k=5, score_threshold=0.15)
    assert [h.class_id for h in result] == [2, 4, 3]


def test_threshold_can_leave_nothing():
    assert ranked([0.2] * 5, score_threshold=0.9) == []


def test_ties_go_to_the_lower_class_id():
    result = ranked([0.1, 0.3, 0.1, 0.3, 0.2], top_k=3)
    assert [h.class_id for h in result] == [1, 3, 4]
    result = ranked([0.2, 0.2, 0.2, 0.2, 0.2], top_k=2)
    assert [h.class_id for h in result] == [0, 1]


def test_ties_at_the_cut_pick_the_lower_ids():
    # Four classes tie for second place; only the two lowest ids fit in top-3.
    result = ranked([0.1, 0.1, 0.6, 0.1, 0.1], top_k=3)
    assert [h.class_id for h in result] == [2, 0, 1]


def test_allowlist_restricts_and_keeps_global_scores():
    result = ranked([0.1, 0.05, 0.5, 0.15, 0.2], allowlist=('bowling', 'dancing'))
    assert [(h.label, h.score) for h in result] == [
        ('dancing', pytest.approx(0.15)), ('bowling', pytest.approx(0.05))]


def test_denylist_removes():
    result = ranked([0.1, 0.05, 0.5, 0.15, 0.2], top_k=2, denylist=('carving ice',))
    assert [h.label for h in result] == ['eating cake', 'dancing']


def test_denylist_wins_over_allowlist():
    result = ranked([0.1, 0.05, 0.5, 0.15, 0.2], allowlist=('bowling', 'carving ice'),
                    denylist=('carving ice',))
    assert [h.label for h in result] == ['bowling']


def test_filtered_ties_keep_class_id_order():
    result = ranked([0.3, 0.1, 0.3, 0.0, 0.3], allowlist=('eating cake', 'carving ice'))
    assert [h.class_id for h in result] == [2, 4]


def test_unknown_labels_are_listed_with_a_hint():
    with pytest.raises(LabelError) as caught:
        Ranker(LABELS, RankingConfig(allowlist=('carving ic', 'flying')))
    message = str(caught.value)
    assert 'allowlist' in message and "'flying'" in message
    assert "'carving ic' (did you mean 'carving ice'?)" in message


def test_unknown_denylist_label():
    with pytest.raises(LabelError, match="denylist: 'Bowling'.*'bowling'"):
        Ranker(LABELS, RankingConfig(denylist=('Bowling',)))


def test_filters_leaving_no_class():
    with pytest.raises(RankingConfigError, match='no class'):
        Ranker(LABELS, RankingConfig(allowlist=('bowling',), denylist=('bowling',)))


@pytest.mark.parametrize('config', [
    RankingConfig(top_k=0), RankingConfig(top_k=-1), RankingConfig(top_k=2.5),
    RankingConfig(top_k=True), RankingConfig(score_threshold=-0.1),
    RankingConfig(score_threshold=1.5), RankingConfig(score_threshold=float('nan')),
    RankingConfig(score_threshold='0.5')])
def test_bad_config(config):
    with pytest.raises(RankingConfigError):
        Ranker(LABELS, config)


def test_config_errors_are_value_errors_and_movinet_errors():
    assert issubclass(RankingConfigError, ValueError)
    assert issubclass(RankingConfigError, MovinetError)


def test_wrong_number_of_probabilities():
    with pytest.raises(RankingConfigError, match='expected 5'):
        Ranker(LABELS, RankingConfig()).rank(np.zeros(4, dtype=np.float32))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, 40, elements=st.sampled_from([0.0, 0.01, 0.02, 0.5, 0.9])),
       st.integers(1, 45), st.sets(st.integers(0, 39), max_size=10))
def test_rank_matches_a_full_sort(scores, top_k, denied):
    labels = [f'class {i}' for i in range(40)]
    if len(denied) == 40:
        return
    config = RankingConfig(top_k=top_k, score_threshold=0.01,
                           denylist=tuple(labels[i] for i in denied))
    result = Ranker(labels, config).rank(scores)
    expected = sorted((i for i in range(40) if i not in denied and float(scores[i]) >= 0.01),
                      key=lambda i: (-scores[i], i))[:top_k]
    assert [h.class_id for h in result] == expected
    assert [h.label for h in result] == [labels[i] for i in expected]
    assert all(h.score >= config.score_threshold for h in result)
