"""The one place for dates, times and numbers on the pages (Europe/Berlin)."""

import datetime as dt

from quartier_gateway.web.format import berlin_time, german_date, german_datetime, german_number


def test_an_instant_near_midnight_utc_is_its_berlin_date_everywhere():
    # 23:30 UTC on 31 January is already 1 February in Berlin (UTC+1 in winter)
    assert german_date("2027-01-31T23:30:00Z") == "01.02.2027"
    assert german_date("2027-01-31T23:30:00+00:00") == "01.02.2027"
    assert german_date(dt.datetime(2027, 1, 31, 23, 30, tzinfo=dt.UTC)) == "01.02.2027"
    # summer time: UTC+2
    assert german_date("2026-06-30T21:59:00Z") == "30.06.2026"
    assert german_date("2026-06-30T22:00:00Z") == "01.07.2026"


def test_a_plain_date_stays_the_calendar_date():
    assert german_date("2027-02-01") == "01.02.2027"
    assert german_date(dt.date(2027, 1, 31)) == "31.01.2027"


def test_a_timestamp_without_offset_is_a_berlin_wall_time():
    assert german_date("2027-01-31T23:30:00") == "31.01.2027"
    assert german_datetime("2027-03-12T17:00:00") == "12.03.2027, 17:00 Uhr"


def test_no_date_is_shown_unchanged_and_nothing_is_empty():
    assert german_date(None) == "" and german_date("") == ""
    assert german_date("kein Datum") == "kein Datum"
    assert german_datetime("kein Datum") == "kein Datum"


def test_date_and_time():
    assert german_datetime("2027-03-12T16:00:00Z") == "12.03.2027, 17:00 Uhr"
    assert german_datetime("2027-07-12T17:00:00+00:00") == "12.07.2027, 19:00 Uhr"
    assert german_datetime("2027-07-12") == "12.07.2027"
    assert berlin_time(dt.datetime(2027, 1, 31, 23, 30, tzinfo=dt.UTC)) == "01.02.2027, 00:30 Uhr"
    assert berlin_time(None) == ""


def test_numbers():
    assert german_number(38327, "") == "38.327"
    assert german_number(18.8, "%") == "18,8 %"
    assert german_number(1234.5, "") == "1.234,5"
