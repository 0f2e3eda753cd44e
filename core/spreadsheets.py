"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection): every export uses these."""

from typing import Any

# A spreadsheet runs a text cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """Text that would run as a formula gets a leading quote, which keeps it text; numbers stay numbers, and
    None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def spreadsheet_text(cell: str) -> str:
    """Undoes `spreadsheet_cell` on import: the quote it added goes, any other stays."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
