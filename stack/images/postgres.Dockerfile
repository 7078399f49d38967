# PostgreSQL 15 with the official image's conventions: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB,
# PGDATA=/var/lib/postgresql/data, and the *.sql of /docker-entrypoint-initdb.d applied on first start.
# BASE_IMAGE: any Debian bookworm image; the harness passes its offline base (Debian packages,
# postgresql-15 already installed) when the default cannot be pulled.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN test -x /usr/lib/postgresql/15/bin/postgres \
    || { apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/*; }
RUN rm -rf /var/lib/postgresql/15 /etc/postgresql/15 \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
