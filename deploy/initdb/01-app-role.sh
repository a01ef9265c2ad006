#!/bin/sh
# Creates the role Hearth's application connects as. It owns nothing: the schema
# belongs to POSTGRES_USER, which runs the migrations (MIGRATE_DATABASE_URL) and grants
# this role only what the application needs (see README, Security).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$(cat /run/secrets/app_db_password)" <<'SQL'
CREATE ROLE hearth_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SQL
