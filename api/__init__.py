"""The HTTP face of Refloop: REST `/v1`, the FHIR facade `/fhir/R4`, health and metrics."""
