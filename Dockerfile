# A PostgreSQL server with memtech installed: `docker build -t memtech .` then
# `docker run -e POSTGRES_PASSWORD=... -p 5432:5432 memtech`. The install runs once, when
# the container's database is first created (the official image runs the files of
# /docker-entrypoint-initdb.d with psql, as the superuser, then). The same steps as CI: build.py makes
# build/install.sql from sql/, pgTAP and pg_prove come from the distribution's packages.
ARG PG_MAJOR=15

FROM python:3.11-slim AS build
WORKDIR /src
COPY build.py VERSION ./
COPY sql ./sql
RUN python3 build.py

FROM postgres:${PG_MAJOR}
RUN apt-get update \
 && apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}-pgtap" libtap-parser-sourcehandler-pgtap-perl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/install.sql /docker-entrypoint-initdb.d/50-memtech.sql
# Then the indexes the install leaves to build/finish.sql (the search's on document_chunks),
# as `make install` does; psql runs the files of that folder, so its \gexec works there.
COPY --from=build /src/build/finish.sql /docker-entrypoint-initdb.d/60-memtech-finish.sql
COPY --from=build /src/build/finish.sql /usr/share/memtech/finish.sql
COPY --from=build /src/build/install.sql /usr/share/memtech/install.sql
COPY --from=build /src/build/uninstall.sql /usr/share/memtech/uninstall.sql
COPY test/fixtures /usr/share/memtech/test/fixtures
COPY test/pgtap /usr/share/memtech/test/pgtap
COPY tools/prove.sh /usr/share/memtech/prove.sh
# prove.sh runs as the postgres superuser over the local socket, like the suite.
ENV MEMTECH_ROOT=/usr/share/memtech MEMTECH_INSTALL=/usr/share/memtech/install.sql PGUSER=postgres
