# Sharpness Lab dashboard: production image (gunicorn, non-root, read-only code).
#
#   docker build -t sharpness-lab .
#   docker run -p 8050:8050 -e SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" sharpness-lab
#
# Every setting is an environment variable: see docs/deployment.md.
# The base is an exact tag; pin its digest too where the registry is reachable
# (docker buildx imagetools inspect python:3.11.14-slim-bookworm).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# -- builder: installs the pinned wheels into a virtualenv --------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt

# -- runtime: no compilers, no test tools, no browsers ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHARPNESS_LAB_PRODUCTION=1 \
    HOST=0.0.0.0 \
    PORT=8050 \
    XDG_CACHE_HOME=/var/cache/sharpness-lab \
    JOBS_DIR=/var/cache/sharpness-lab/jobs \
    CACHE_DIR=/var/cache/sharpness-lab/memo \
    NUMBA_CACHE_DIR=/var/cache/sharpness-lab/numba \
    NUMBA_CPU_NAME=generic
# nginx reads whole requests before gunicorn sees them (slow clients; app/serve.py)
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 0700 /var/cache/sharpness-lab
COPY --from=builder /opt/venv /opt/venv
WORKDIR /srv/sharpness-lab
# code owned by root and not writable by the app user (the CSS is app/assets/)
COPY --chown=root:root app/ app/
COPY --chown=root:root uvcore/ uvcore/
RUN chmod -R a-w,a+rX /srv/sharpness-lab
USER app
# compile every numba kernel into NUMBA_CACHE_DIR now, for the generic CPU,
# so workers start by loading the cache (the run machine's CPU may differ)
RUN python -c "import uvcore; print('kernels compiled in %.1f s' % uvcore.warmup())"
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4); sys.exit(0 if r.status == 200 else 1)"]
CMD ["python", "-m", "app.serve"]
