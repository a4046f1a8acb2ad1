from __future__ import annotations

import pytest

from guiders.analytics.segments import Segment, Segmenter


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.0, Segment.NURTURING),
        (0.3999, Segment.NURTURING),
        (0.4, Segment.STANDARD),
        (0.6, Segment.STANDARD),
        (0.8, Segment.STANDARD),
        (0.8001, Segment.VIP),
        (1.0, Segment.VIP),
    ],
)
def test_default_boundaries(probability: float, expected: Segment) -> None:
    assert Segmenter().segment(probability) is expected


def test_custom_thresholds() -> None:
    segmenter = Segmenter(vip_above=0.5, nurturing_below=0.1)
    assert segmenter.segment(0.05) is Segment.NURTURING
    assert segmenter.segment(0.1) is Segment.STANDARD
    assert segmenter.segment(0.51) is Segment.VIP


def test_equal_thresholds_leave_a_single_standard_point() -> None:
    segmenter = Segmenter(vip_above=0.5, nurturing_below=0.5)
    assert segmenter.segment(0.5) is Segment.STANDARD
    assert segmenter.segment(0.4999) is Segment.NURTURING


@pytest.mark.parametrize(
    ("vip_above", "nurturing_below"),
    [(0.3, 0.4), (1.1, 0.4), (0.8, -0.1), (-0.2, -0.3)],
)
def test_invalid_thresholds_are_rejected(vip_above: float, nurturing_below: float) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        Segmenter(vip_above=vip_above, nurturing_below=nurturing_below)


def test_probability_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError):
        Segmenter().segment(1.5)


def test_count_lists_every_segment() -> None:
    assert Segmenter().count([0.1, 0.2, 0.9]) == {"vip": 1, "standard": 0, "nurturing": 2}
