# The project on the official Airflow image of the same version as uv.lock pins (apache-airflow 3.3.2).
# Build: docker compose build (see docker-compose.yml), or docker build -t conflict-events-airflow .
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${AIRFLOW_IMAGE}
COPY --from=uv /uv /usr/local/bin/uv

USER root
RUN mkdir -p /opt/airflow/project && chown airflow:root /opt/airflow/project
USER airflow
WORKDIR /opt/airflow/project
# Dependencies first (a layer that changes only with the lock), exactly as locked, hashes checked.
# apache-airflow itself is already in the image at the locked version, so pip keeps it.
COPY --chown=airflow:root pyproject.toml uv.lock README.md ./
RUN uv export --frozen --no-dev --no-emit-project --format requirements-txt -o /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project, editable (no dependency resolution: everything came from the lock above), so that
# the package finds data/gazetteer beside it; the gazetteer index is built into the image.
COPY --chown=airflow:root pipeline ./pipeline
COPY --chown=airflow:root dags ./dags
COPY --chown=airflow:root schemas ./schemas
COPY --chown=airflow:root data/gazetteer ./data/gazetteer
RUN pip install --no-cache-dir --no-deps -e . \
    && python -m pipeline.geo.build --quiet

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/airflow/project/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GX_ANALYTICS_ENABLED=false \
    CONFLICT_EVENTS_WAREHOUSE=/data/warehouse \
    CONFLICT_EVENTS_INBOX=/data/inbox/{date}
