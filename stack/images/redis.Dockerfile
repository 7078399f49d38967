# Redis for the trading ecosystem. The configuration and ACL file are bind-mounted by the compose file.
# BASE_IMAGE: any Debian bookworm image; the harness passes its offline base (Debian packages,
# redis-server already installed) when the default cannot be pulled.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN command -v redis-server >/dev/null \
    || { apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*; }
RUN mkdir -p /data /usr/local/etc/redis && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
