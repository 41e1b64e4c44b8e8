from api.openapi import CONTRACT, render


def test_committed_openapi_matches_the_app():
    assert CONTRACT.read_text() == render(), "openapi/openapi.json is stale: run `make openapi` and commit it"
