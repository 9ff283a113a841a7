# The GitHub runner builds this file unchanged on every job. The base image is a build
# argument so scripts/container-test.sh can build the very same file offline from a
# local Python image.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# Optional package-index settings for builds behind a private mirror. Unset unless passed
# with --build-arg, so a plain `docker build` uses pip's defaults.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Install from a throw-away copy of the source so /app holds only the entry point: the
# CLI then imports the installed package, and a file missing from the wheel fails here
# rather than only after release. Runtime dependencies only; no test extras.
COPY . /tmp/fabric-action-src
RUN pip install --no-cache-dir /tmp/fabric-action-src \
    && rm -rf /tmp/fabric-action-src

COPY entrypoint.py /app/entrypoint.py

# No USER: GitHub runs Docker actions without --user and the mounted workspace and
# file-command files must be writable, so the process runs as root.
ENTRYPOINT ["python", "/app/entrypoint.py"]
