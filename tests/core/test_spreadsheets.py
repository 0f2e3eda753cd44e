from decimal import Decimal

import pytest

from core.spreadsheets import spreadsheet_cell, spreadsheet_text


@pytest.mark.parametrize("text", ["=HYPERLINK(evil)", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_run_as_a_formula_is_kept_text_and_comes_back_unchanged(text):
    cell = spreadsheet_cell(text)
    assert cell == "'" + text
    assert spreadsheet_text(cell) == text


@pytest.mark.parametrize("value", [-3, Decimal("-12.5"), 0, "plain", "'quoted by its author"])
def test_numbers_and_harmless_text_are_left_as_they_are(value):
    assert spreadsheet_cell(value) == value
    if isinstance(value, str):
        assert spreadsheet_text(value) == value


def test_none_is_an_empty_cell():
    assert spreadsheet_cell(None) == ""
