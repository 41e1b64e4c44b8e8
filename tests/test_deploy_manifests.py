"""deploy/k8s: every manifest is valid for the Kubernetes versions we support, and keeps the
promises docs/operations.md makes about it (probes, keys, resources, who runs as whom)."""

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from fastapi.routing import APIRoute
from pydantic_settings import BaseSettings

from api.cli import app as cli
from api.routers.health import router as health_router
from domain.journey.document_settings import DocumentSettings
from domain.outreach.settings import OutreachSettings
from domain.shared.settings import (
    DatabaseSettings,
    FhirSettings,
    RedisSettings,
    SecuritySettings,
    Settings,
    SmtpSettings,
)
from integrations.sms.sender import SmsSettings
from workers.config import OutboxConfig

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes we support and the newest the validator knows (it ships their schemas).
KUBERNETES_VERSIONS = ("1.30", "1.37")
SECRET_TEMPLATE = "secret.example.yaml"
# Environment variables read by something other than our settings classes, or only by the manifests.
OTHER_VARIABLES = {
    "FORWARDED_ALLOW_IPS",  # uvicorn: whose X-Forwarded-* headers to trust
    "DATABASE_PRIMARY_URL",  # the Secret key: the primary itself, for the migration Job and the LISTEN
}


def _manifests() -> dict[str, dict]:
    return {
        path.name: yaml.safe_load(path.read_text())
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


MANIFESTS = _manifests()


def _by_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in MANIFESTS.values() if doc["kind"] == kind}


def _pod_specs() -> dict[str, dict]:
    """Every pod template: Deployments' and the Job's."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]
        for doc in MANIFESTS.values()
        if doc["kind"] in ("Deployment", "Job")
    }


def _containers() -> list[tuple[str, dict]]:
    return [
        (f"{name}/{c['name']}", c)
        for name, spec in _pod_specs().items()
        for c in spec.get("initContainers", []) + spec["containers"]
    ]


def _env_names(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {
        f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
        if not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings))
    }


def _known_variables() -> set[str]:
    groups = (
        Settings,
        DatabaseSettings,
        RedisSettings,
        SmtpSettings,
        SecuritySettings,
        FhirSettings,
        DocumentSettings,
        OutreachSettings,
        SmsSettings,
        OutboxConfig,
    )
    return set().union(*(_env_names(group) for group in groups)) | OTHER_VARIABLES


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_is_valid_for_kubernetes(name: str, version: str) -> None:
    # Strict: a misspelt or misplaced field is an error, not silently dropped by the API server.
    kubernetes_validate.validate(MANIFESTS[name], version, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert "namespace" not in kustomization
    assert sorted(kustomization["resources"]) == sorted(set(MANIFESTS) - {SECRET_TEMPLATE})
    assert all("namespace" not in doc["metadata"] for doc in MANIFESTS.values()), "namespace-agnostic"


def test_api_is_probed_on_the_health_routes() -> None:
    api = _by_kind("Deployment")["refloop-api"]["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert api[probe]["httpGet"]["port"] in ports
    assert ports["http"] == 8000 and api["command"][-2:] == ["--port", "8000"]
    routes = {route.path for route in health_router.routes if isinstance(route, APIRoute)}
    assert {"/readyz", "/healthz"} <= routes


def test_each_workload_runs_a_real_command() -> None:
    commands = set()
    for command in cli.registered_commands:
        assert command.callback is not None
        commands.add(command.name or command.callback.__name__)
    expected = {"refloop-api": "serve", "refloop-worker": "worker", "refloop-migrate": "migrate"}
    specs = _pod_specs()
    assert set(specs) == set(expected)
    for name, subcommand in expected.items():
        command = specs[name]["containers"][0]["command"]
        assert command[:2] == ["refloop", subcommand] and subcommand in commands


def test_every_secret_key_referenced_is_in_the_secret() -> None:
    secret = _by_kind("Secret")["refloop-secrets"]
    keys = set(secret["stringData"])
    referenced = set()
    for where, container in _containers():
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == "refloop-secrets", where
                assert ref["key"] in keys, f"{where} reads {ref['key']}, which the Secret does not hold"
                referenced.add(ref["key"])
        for source in container.get("envFrom", []):
            assert "secretRef" not in source, f"{where}: name each key, so this test can see them"
    assert referenced == keys, f"keys nobody reads: {keys - referenced}"
    assert {
        "SECURITY_SECRET_KEY",
        "SECURITY_ENCRYPTION_KEYS",
        "SECURITY_BLIND_INDEX_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "FHIR_PUSH_PRIVATE_KEY",
    } <= keys


def test_every_variable_set_is_one_refloop_reads() -> None:
    known = _known_variables()
    config = _by_kind("ConfigMap")["refloop-config"]["data"]
    secret = _by_kind("Secret")["refloop-secrets"]["stringData"]
    names = set(config) | set(secret)
    names |= {env["name"] for _, container in _containers() for env in container.get("env", [])}
    assert names - known == set()
    assert not set(config) & set(secret), "a variable is either configuration or a secret"
    assert not any(re.search(r"KEY|PASSWORD|SECRET", name) for name in config), "secrets belong in the Secret"


def test_every_container_has_sized_resources() -> None:
    def quantity(value: str | int) -> float:
        text = str(value)
        units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
        for unit, factor in units.items():
            if text.endswith(unit):
                return float(text[: -len(unit)]) * factor
        return float(text)

    for where, container in _containers():
        resources = container["resources"]
        for resource in ("cpu", "memory"):
            request, limit = resources["requests"][resource], resources["limits"][resource]
            assert quantity(request) <= quantity(limit), f"{where} {resource}"


def test_pods_run_as_the_image_user_without_privileges() -> None:
    user = re.search(r"^USER (\d+):(\d+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert user, "the Dockerfile's USER is numeric"
    for name, spec in _pod_specs().items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user.groups(), name
        assert spec["automountServiceAccountToken"] is False
    for where, container in _containers():
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, where
        assert context["allowPrivilegeEscalation"] is False, where
        assert context["capabilities"]["drop"] == ["ALL"], where
        mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{where}: a writable /tmp beside the read-only root"


def test_service_autoscaler_and_budgets_point_at_the_pods() -> None:
    deployments = _by_kind("Deployment")
    labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    for name, deployment in deployments.items():
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels[name].items()

    def selects(selector: dict) -> set[str]:
        return {name for name, pod in labels.items() if selector.items() <= pod.items()}

    service = _by_kind("Service")["refloop-api"]
    assert selects(service["spec"]["selector"]) == {"refloop-api"}
    api_ports = {p["name"] for p in deployments["refloop-api"]["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= api_ports

    hpa = _by_kind("HorizontalPodAutoscaler")["refloop-api"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "refloop-api"}
    assert hpa["spec"]["minReplicas"] >= 2, "one pod down must not take the API down"
    # The HPA computes utilisation against the request: a container without a CPU request is not scaled.
    assert "cpu" in deployments["refloop-api"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]

    budgets = {
        name: selects(pdb["spec"]["selector"]["matchLabels"]) for name, pdb in _by_kind("PodDisruptionBudget").items()
    }
    assert budgets == {"refloop-api": {"refloop-api"}, "refloop-worker": {"refloop-worker"}}
    assert deployments["refloop-api"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
