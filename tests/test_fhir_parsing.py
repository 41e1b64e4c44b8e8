"""Shapes at the edge of R4 that a resource may take, and names that are not resources at all."""

import httpx
import pytest

from integrations.fhir.outcomes import FhirError
from integrations.fhir.parsing import validate
from tests.fhir_examples import FHIR_JSON

NPI = "http://hl7.org/fhir/sid/us-npi"


def test_a_data_type_named_as_the_resource_type_is_refused() -> None:
    with pytest.raises(FhirError) as refused:
        validate({"resourceType": "HumanName", "family": "Water"}, path="contained[0]")
    assert refused.value.status == 400
    assert refused.value.diagnostics == "HumanName is not an R4 resource type."
    assert refused.value.expression == ["contained[0].resourceType"]


async def test_a_null_given_name_carried_by_an_extension_keeps_the_others(client: httpx.AsyncClient) -> None:
    masked = {"extension": [{"url": "http://example.org/masked", "valueBoolean": True}]}
    practitioner = {
        "resourceType": "Practitioner",
        "identifier": [{"system": NPI, "value": "9941339100"}],
        # R4 lets a null stand in an array when `_given` carries an extension in its place.
        "name": [{"family": "Water", "given": ["Jan", None, "Erik"], "_given": [None, masked, None]}],
    }
    created = await client.post("/fhir/R4/Practitioner", json=practitioner, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    provider = (await client.get(f"/v1/providers/{created.json()['id']}")).json()
    assert (provider["given_name"], provider["family_name"]) == ("Jan Erik", "Water")
