"""A re-import of an unchanged file is quick: lines stored with the same mark are not normalised again."""

from sqlalchemy import select

from domain.providers import importfile
from domain.providers.models import Provider
from tests.directory_files import directory_csv, provider_row
from tests.factories import valid_npi


async def _upload(client, data: bytes):
    return await client.post("/v1/imports/providers", files={"file": ("directory.csv", data, "text/csv")})


async def test_unchanged_lines_skip_normalising_and_a_changed_line_is_normalised(client, session):
    npis = [valid_npi() for _ in range(3)]
    rows = [
        provider_row(n, address_line_1=f"{i + 10} north main street", phone=f"(217) 555-01{i:02d}")
        for i, n in enumerate(npis)
    ]
    assert (await _upload(client, directory_csv(rows))).status_code == 201
    importfile.normalise_address.cache_clear()
    importfile._e164.cache_clear()
    again = await _upload(client, directory_csv(rows))
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "merged": 0}
    assert importfile.normalise_address.cache_info().misses == 0 and importfile._e164.cache_info().misses == 0

    rows[1]["address_line_1"] = "77 west oak avenue"
    moved = await _upload(client, directory_csv(rows))
    assert moved.json()["counts"] == {"created": 0, "updated": 1, "unchanged": 2, "merged": 0}
    assert importfile.normalise_address.cache_info().misses == 1  # only the changed line
    stored = (await session.execute(select(Provider).where(Provider.npi == npis[1]))).scalar_one()
    await session.refresh(stored)
    assert stored.address["line"] == ["77 W OAK AVE", "STE 4"]


async def test_an_unchanged_line_still_reports_its_unknown_taxonomy(client):
    npi = valid_npi()
    data = directory_csv([provider_row(npi, taxonomy_code_1="207ZZ9999X")])
    first = (await _upload(client, data)).json()["report"]
    again = (await _upload(client, data)).json()["report"]
    assert [r["action"] for r in again] == ["unchanged", "unchanged"]
    assert [(r["column"], r["problem"]) for r in again] == [(r["column"], r["problem"]) for r in first]
    assert again[1]["problem"].startswith("207ZZ9999X is not in the NUCC code set")


def test_plain_addresses_are_read_as_email_validator_reads_them():
    """The quick path for plain ASCII addresses gives email-validator's answer, and leaves the rest to it."""
    from email_validator import EmailNotValidError, validate_email

    samples = [
        "Ana.Silva@Riverside.EXAMPLE",
        "office@practice1.example",
        "X@Foo.Co.UK",
        "x+y_z@foo.io",
        "x@foo.c",
        "a..b@x.com",
        ".a@x.com",
        "a.@x.com",
        "a@localhost",
        "x@foo.test",
        "x@clinic.LOCAL",
        "x@1.2.3.4",
        "x@foo.com.",
        "x@-foo.com",
        "x@foo-.com",
        "x@foo.123",
        "x@xn--bcher-kva.example",
        "ana@",
        "@x.com",
        "a" * 65 + "@x.com",
        "a@" + "b" * 64 + ".com",
        "josé@clinic.example",
        "a b@x.com",
    ]
    for value in samples:
        try:
            expected = (validate_email(value, check_deliverability=False).normalized, True)
        except EmailNotValidError:
            expected = (None, False)
        address, problem = importfile._email_address.__wrapped__(value)
        assert (address, not problem) == expected, value


def test_plain_us_numbers_are_read_as_libphonenumber_reads_them() -> None:
    from domain.shared import phones

    samples = [
        "(217) 555-0142",
        "217.555.0142",
        "217-555-0142",
        "2175550142",
        "(217)555-0142",
        "217 555 0142",
        "(989) 555-9999",
        "(201) 555-0000",
        "(217 555-0142",
        "217) 555-0142",
        "1 217 555 0142",
        "+1 217 555 0142",
        "117 555 0142",
        "217-555-014",
        "217 555 0142 ext. 12",
        "+44 20 7946 0958",
        "555-0142",
    ]
    for value in samples:
        try:
            expected: str | None = phones.normalise(value)
        except phones.NotAPhoneNumber:
            expected = None
        assert importfile._e164.__wrapped__(value) == expected, value
