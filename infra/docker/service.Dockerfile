# syntax=docker/dockerfile:1
# One image per Quartier service. Build from the repository root:
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=registry -t quartier-registry .
# SERVICE: registry | planning | invitations | reporting | gateway
# The build context is filtered by infra/docker/service.Dockerfile.dockerignore.

# --- front-end assets of the gateway (KERN UX, htmx) ------------------------------------------------
# Built for every SERVICE (cached after the first build); only the gateway image copies it.
FROM node:20-bookworm-slim AS gateway-assets
WORKDIR /out/services/gateway
COPY services/gateway/package.json services/gateway/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm run build --if-present \
    && rm package.json package-lock.json

# --- the service ---------------------------------------------------------------------------------------
FROM python:3.11-slim
ARG SERVICE
RUN test -n "$SERVICE" || (echo "build arg SERVICE is required" >&2; exit 1)

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin quartier

WORKDIR /app
# Dependencies first (cached layer): the lock file and every workspace member's pyproject.toml,
# which uv needs to resolve the workspace.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY libs/registry_replica/pyproject.toml libs/registry_replica/
COPY services/registry/pyproject.toml services/registry/
COPY services/planning/pyproject.toml services/planning/
COPY services/invitations/pyproject.toml services/invitations/
COPY services/reporting/pyproject.toml services/reporting/
COPY services/gateway/pyproject.toml services/gateway/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "quartier-$SERVICE"

# Then the code: the shared library, the workspace libraries (the registry replica of planning,
# invitations and reporting) and this one service (installed editable, so files next to the
# package such as services/registry/data/ and services/gateway/demo-accounts.yaml stay reachable).
COPY shared/ shared/
COPY libs/ libs/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "quartier-$SERVICE"
RUN --mount=type=bind,from=gateway-assets,source=/out,target=/assets \
    if [ "$SERVICE" = gateway ]; then cp -a /assets/services/gateway/node_modules services/gateway/; fi

ENV QUARTIER_SERVICE_NAME=${SERVICE} \
    QUARTIER_SERVICE_MODULE=quartier_${SERVICE} \
    QUARTIER_HTTP_HOST=0.0.0.0
USER quartier
# The port comes from QUARTIER_HTTP_PORT (docker-compose.yml sets it per service).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['QUARTIER_HTTP_PORT']}/ready\", timeout=4)"]
CMD ["sh", "-c", "exec python -m \"$QUARTIER_SERVICE_MODULE\""]
