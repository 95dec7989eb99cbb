-- The benchmark dataset of tap-postgres-ts (`npm run bench` loads it into a database `bench`).
-- Every value is a pure function of the generate_series counter g (no random(), no now()),
-- so every load yields the same rows. By hand: psql -v ON_ERROR_STOP=1 -f tests/bench/dataset.sql
-- Sizes: bench.wide 1,000,000 rows (the common scalar types plus jsonb and an int array),
--        bench.narrow 5,000,000 rows (3 columns).
\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';  -- file contains non-ASCII (é)
SET TIME ZONE 'UTC';
SET maintenance_work_mem = '512MB';

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE TABLE bench.wide (
  id         bigint NOT NULL,
  small      smallint,
  i          int,
  big        bigint,
  r          real,
  d          double precision,
  n          numeric(12,3),
  t          text,
  v          varchar(64),
  b          boolean,
  dt         date,
  ts         timestamp,
  tstz       timestamptz,
  tm         time,
  u          uuid,
  j          jsonb,
  arr        int[],
  updated_at timestamptz NOT NULL
);

INSERT INTO bench.wide
SELECT g,
       (g % 65536 - 32768)::smallint,                        -- full smallint range
       ((g * 7919) % 2000000000 - 1000000000)::int,          -- +/- int
       g * 1000000007 * (1 - 2 * (g % 2)),                   -- +/- large bigint
       ((g % 100000) / 7.0)::real,                           -- float4 with fractions
       sqrt(g::float8) * 1000.0,                             -- float8
       ((g * 7777777) % 2000000000 - 1000000000) / 1000.0,  -- numeric(12,3), +/-
       md5(g::text) || ' ' || g                              -- ~40 chars; every 10th
         || CASE WHEN g % 10 = 0 THEN ' "q" \ é' ELSE '' END, --   row needs JSON escaping
       CASE WHEN g % 50 = 0 THEN NULL                        -- every 50th row NULL
            ELSE 'name_' || lpad(g::text, 8, '0') END,
       g % 3 = 0,
       date '2000-01-01' + (g % 10000)::int,
       timestamp '2020-01-01 00:00:00' + g * interval '1 second'
         + (g % 1000) * interval '1 millisecond',            -- ms fractions
       timestamptz '2021-06-01 00:00:00+00' + g * interval '17 seconds'
         + (g % 1000000) * interval '1 microsecond',         -- us fractions
       time '00:00:00' + (g % 86400) * interval '1 second',
       md5('uuid' || g)::uuid,                               -- deterministic uuid
       CASE WHEN g % 100 = 0 THEN NULL                       -- every 100th row NULL
            ELSE jsonb_build_object('id', g, 'tag', 'tag' || (g % 100),
                                    'ok', g % 2 = 0, 'score', round((g % 1000) / 10.0, 1)) END,
       ARRAY[g::int, (g % 100)::int, -(g % 7)::int],
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'  -- increasing
FROM generate_series(1::bigint, 1000000) AS g;   -- g is bigint

CREATE TABLE bench.narrow (
  id         bigint NOT NULL,
  v          int,
  updated_at timestamptz NOT NULL
);

INSERT INTO bench.narrow
SELECT g,
       ((g * 31) % 1000003)::int,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '100 milliseconds'  -- increasing
FROM generate_series(1::bigint, 5000000) AS g;

-- Keys and indexes after the bulk insert (faster build).
ALTER TABLE bench.wide   ADD PRIMARY KEY (id);
ALTER TABLE bench.narrow ADD PRIMARY KEY (id);
CREATE INDEX wide_updated_at_idx   ON bench.wide   (updated_at);
CREATE INDEX narrow_updated_at_idx ON bench.narrow (updated_at);

-- Set hint bits / visibility map now so the first read benchmark is not penalised.
VACUUM (FREEZE) bench.wide;
VACUUM (FREEZE) bench.narrow;
ANALYZE bench.wide;
ANALYZE bench.narrow;
