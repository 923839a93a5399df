"""IPv4/IPv6 addresses validated by ipaddress; version numbers and dates stay."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("ip", ["192.168.0.1", "203.0.113.45", "10.0.0.0/8", "2001:db8::1", "fe80::1ff:fe23:4567:890a"])
def test_addresses_are_found(found, ip):
    assert found(f"接続元IP：{ip} からのアクセス") == [("IP_ADDRESS", ip)]


@pytest.mark.parametrize("text", [
    "バージョン1.2.3.4に更新", "ver.2.0.0.1 リリース", "v1.2.3.4", "2010.10.13 のお知らせ", "999.1.1.1",
    "12:30:00 開始", "Python 3.11.7",
])
def test_versions_dates_times_and_invalid_octets_stay(found, text):
    assert found(text) == []
