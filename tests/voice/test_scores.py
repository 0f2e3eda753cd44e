"""Job scores from responses against hand-computed cases."""

from decimal import Decimal

import pytest

from voice.scores import estimate, opportunity, to_ten


def test_the_five_point_scale_maps_onto_zero_to_ten():
    assert [to_ten(v, scale=5) for v in (1, 2, 3, 4, 5)] == [0, 2.5, 5, 7.5, 10]
    assert to_ten(7, scale=10) == 7


def test_no_answer_gives_no_score():
    assert estimate([]) == estimate([None, None])
    assert estimate([None]).mean is None
    assert estimate([None]).sample == 0


def test_one_answer_gives_a_score_without_a_band():
    result = estimate([8.0])
    assert result.mean == Decimal("8.0")
    assert result.margin is None
    assert result.sample == 1


def test_missing_answers_count_for_nothing_not_zero():
    # 10, 6 and a missing answer: mean 8 over two answers; s = √8 = 2.828; t(1) = 12.706; 12.706 × 2.828 / √2 = 25.4
    result = estimate([10.0, None, 6.0])
    assert result.mean == Decimal("8.0")
    assert result.sample == 2
    assert result.margin == Decimal("25.4")
    assert (result.low, result.high) == (Decimal(0), Decimal(10))  # the band is clipped to the scale


def test_a_small_sample_by_hand():
    # 5, 7.5, 10, 7.5 (a 1–5 survey: 3, 4, 5, 4): mean 7.5; s² = (6.25 + 0 + 6.25 + 0) / 3 = 4.1667, s = 2.0412;
    # t(3) = 3.182; margin = 3.182 × 2.0412 / 2 = 3.2476 → 3.2
    result = estimate([to_ten(v, scale=5) for v in (3, 4, 5, 4)])
    assert result.mean == Decimal("7.5")
    assert result.margin == Decimal("3.2")
    assert (result.low, result.high) == (Decimal("4.3"), Decimal("10"))


@pytest.mark.parametrize("copies", [2, 4, 8, 16])
def test_the_band_narrows_as_responses_grow(copies):
    fewer = estimate([4.0, 6.0, 8.0] * copies)
    more = estimate([4.0, 6.0, 8.0] * copies * 2)
    assert fewer.mean == more.mean == Decimal("6.0")
    assert more.margin < fewer.margin


def test_the_opportunity_score():
    assert opportunity(Decimal("8.0"), Decimal("3.0")) == Decimal("13.0")
    assert opportunity(Decimal("6.0"), Decimal("9.0")) == Decimal("6.0")
