"""SMS encoding and segment arithmetic."""
import pytest

from ivr.sms import segments


@pytest.mark.parametrize("text, encoding, count", [
    ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2), ("a" * 306, "GSM-7", 2), ("a" * 307, "GSM-7", 3),
    ("[" * 80, "GSM-7", 1), ("[" * 81, "GSM-7", 2),  # extension characters count twice
    ("д" * 70, "UCS-2", 1), ("д" * 71, "UCS-2", 2), ("д" * 134, "UCS-2", 2), ("д" * 135, "UCS-2", 3),
    ("Հայերեն", "UCS-2", 1), ("Türkmençe ş", "UCS-2", 1), ("a" * 100 + "ə", "UCS-2", 2),
    ("Oʻzbekcha", "UCS-2", 1), ("", "GSM-7", 0), ("🙂" * 35, "UCS-2", 1), ("🙂" * 36, "UCS-2", 2),
])
def test_segments(text, encoding, count):
    assert segments.encoding(text) == encoding
    assert segments.segments(text) == count
