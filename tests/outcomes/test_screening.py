import pytest

from outcomes.screening import personal_data_kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Contact jane.doe@bank.example for details", "email"),
        ("Call +44 20 7946 0958", "phone"),
        ("Customer phone 020 7946 0958", "phone"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban"),
        ("DE89370400440532013000", "iban"),
        ("Account 12345678 was used", "phone"),
        ("Born 12/03/1985", "date_of_birth"),
        ("DOB 1985-03-12", "date_of_birth"),
        ("12 March 1985", "date_of_birth"),
    ],
)
def test_screening_refuses_each_pattern(text, kind):
    assert kind in personal_data_kinds(text)


@pytest.mark.parametrize(
    "text",
    ["Used it in Q3 with 12 alerts, 40% escalated", "Reviewed 1500 alerts in 2025", "Tuned the threshold twice", ""],
)
def test_screening_lets_counts_and_context_through(text):
    assert personal_data_kinds(text) == []
