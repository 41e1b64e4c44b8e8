#!/usr/bin/env bash
# Build the image from the Dockerfile with buildah, start it against the PostgreSQL and Redis on
# this machine (host network, a new database), and wait until /readyz answers 200. Prints each step
# and the answer; exits non-zero when the image does not build or does not become ready.
#
#   deploy/build-and-check.sh                     # on the Dockerfile's base (python:3.11-slim)
#   BASE_IMAGE=local deploy/build-and-check.sh    # no registry: on localhost/python:3.11-slim,
#                                                 # built first by deploy/local-base-image.sh
# Environment: DATABASE_SERVER (postgresql://postgres@127.0.0.1:5432), DATABASE_NAME
# (refloop_image_check, dropped and created), REDIS_URL (redis://127.0.0.1:6379/14: not 15, the test
# suite's), PORT (18080),
# TIMEOUT (120 s), OCI_RUNTIME (runc when installed: crun refuses hosts whose cgroups are in hybrid
# mode). Needs root, buildah, psql and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/refloop:check}
BASE_IMAGE=${BASE_IMAGE:-}
DATABASE_SERVER=${DATABASE_SERVER:-postgresql://postgres@127.0.0.1:5432}
DATABASE_NAME=${DATABASE_NAME:-refloop_image_check}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
PORT=${PORT:-18080}
TIMEOUT=${TIMEOUT:-120}
OCI_RUNTIME=${OCI_RUNTIME:-$(command -v runc || true)}
LOG=$(mktemp /tmp/refloop-image-check.XXXXXX.log)

say() { printf 'build-and-check: %s\n' "$*" >&2; }
runtime=()
[ -n "$OCI_RUNTIME" ] && runtime=(--runtime "$OCI_RUNTIME")

build_args=()
if [ "$BASE_IMAGE" = local ]; then
  BASE_IMAGE=localhost/python:3.11-slim
  deploy/local-base-image.sh "$BASE_IMAGE"
fi
[ -n "$BASE_IMAGE" ] && build_args=(--build-arg "BASE_IMAGE=$BASE_IMAGE")

say "building $IMAGE${BASE_IMAGE:+ on $BASE_IMAGE}"
started=$SECONDS
# Docker format keeps the HEALTHCHECK (OCI images have no field for it).
buildah bud --quiet --layers --format docker "${runtime[@]}" "${build_args[@]}" --tag "$IMAGE" --file Dockerfile . >/dev/null
say "built in $((SECONDS - started)) s: $(buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE")"

say "database $DATABASE_NAME on $DATABASE_SERVER (new)"
psql -q "$DATABASE_SERVER/postgres" -c "DROP DATABASE IF EXISTS \"$DATABASE_NAME\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DATABASE_NAME\""

secret() { python3 -c 'import base64, os, sys; print(base64.b64encode(os.urandom(int(sys.argv[1]))).decode())' "$1"; }
# Production settings with fresh keys: the image refuses the development defaults.
settings=(--env "DATABASE_URL=$DATABASE_SERVER/$DATABASE_NAME" --env "REDIS_URL=$REDIS_URL" --env "PORT=$PORT"
  --env "SECURITY_SECRET_KEY=$(secret 48)" --env "SECURITY_ENCRYPTION_KEYS=k1:$(secret 32)"
  --env "SECURITY_BLIND_INDEX_KEY=$(secret 32)")
container=$(buildah from --quiet "$IMAGE")
worker=$(buildah from --quiet "$IMAGE")
pid=""
worker_pid=""
cleanup() {
  set +e  # clean up everything, whatever fails
  for p in $pid $worker_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  # The runtime may still be tearing the container down for a moment after buildah run returns.
  for c in "$container" "$worker"; do
    for _ in 1 2 3 4 5; do buildah rm "$c" >/dev/null 2>&1 && break; sleep 1; done
  done
  psql -q "$DATABASE_SERVER/postgres" -c "DROP DATABASE IF EXISTS \"$DATABASE_NAME\" WITH (FORCE)" || true
}
trap cleanup EXIT
buildah config "${settings[@]}" "$container"
buildah config "${settings[@]}" "$worker"

command=$(buildah inspect --format '{{range .OCIv1.Config.Cmd}}{{.}}{{"\x00"}}{{end}}' "$container" | tr '\0' '\n')
mapfile -t cmd <<<"${command%$'\n'}"
say "starting the image's command on the host network, port $PORT: ${cmd[*]}"
buildah run "${runtime[@]}" --network host "$container" -- "${cmd[@]}" >"$LOG" 2>&1 &
pid=$!

deadline=$((SECONDS + TIMEOUT))
status=000
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    say "the container exited; its output:"
    cat "$LOG" >&2
    exit 1
  fi
  status=$(curl -s -o /tmp/refloop-readyz.$$ -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true)
  [ "$status" = 200 ] && break
  sleep 1
done
body=$(cat /tmp/refloop-readyz.$$ 2>/dev/null || true)
rm -f /tmp/refloop-readyz.$$
if [ "$status" != 200 ]; then
  say "GET /readyz answered $status after ${TIMEOUT} s; the container's output:"
  cat "$LOG" >&2
  exit 1
fi
say "GET /readyz -> $status $body ($((SECONDS - started)) s after the build began)"
say "migrations applied: $(psql -qtA "$DATABASE_SERVER/$DATABASE_NAME" -c 'select version_num from alembic_version')"

# The worker Kubernetes runs from the same image: it must start and stay up.
say "starting \`refloop worker\` from the image for 10 s"
buildah run "${runtime[@]}" --network host "$worker" -- refloop worker >"$LOG.worker" 2>&1 &
worker_pid=$!
sleep 10
if ! kill -0 "$worker_pid" 2>/dev/null; then
  say "the worker exited; its output:"
  cat "$LOG.worker" >&2
  exit 1
fi
say "worker running after 10 s"
say "container output: $LOG, $LOG.worker"
