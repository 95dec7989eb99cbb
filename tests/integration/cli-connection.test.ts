/** The connection the CLI opens: session settings, text-typed values, application_name, server info. */
import { loadConfig } from '../../lib/config/load-config';
import { connect } from '../../lib/db/connect';
import { serverInfo } from '../../lib/db/server-info';
import { createLogger } from '../../lib/log/logger';
import { testConfig } from '../helpers/db';

function open(overrides: Record<string, unknown> = {}, lines: string[] = []) {
  const log = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
  return connect(loadConfig([testConfig(overrides)], {}), { max: 1, log });
}

describe('connect', () => {
  it('keeps int8, numeric and temporal values as the server text', async () => {
    const sql = open();
    try {
      const [row] = await sql`
        SELECT 9223372036854775807::int8 AS big, 12345678901234567890.123456789::numeric AS num,
               'NaN'::numeric AS nan, '2024-02-29'::date AS d, '24:00:00'::time AS t, '13:14:15.123456+05:30'::timetz AS tz,
               '2024-01-02 03:04:05.678901'::timestamp AS ts, '2024-01-02 03:04:05.678901+02'::timestamptz AS tstz,
               'infinity'::timestamptz AS inf, '0044-03-15 BC'::date AS bc, '1 year 2 mons 3 days 04:05:06.5'::interval AS iv,
               ARRAY[1,2]::int8[] AS arr, 1.5::float8 AS f, 42::int4 AS i, true AS b`;
      expect(row).toEqual({
        big: '9223372036854775807', num: '12345678901234567890.123456789', nan: 'NaN', d: '2024-02-29', t: '24:00:00',
        tz: '13:14:15.123456+05:30', ts: '2024-01-02 03:04:05.678901', tstz: '2024-01-02 01:04:05.678901+00',
        inf: 'infinity', bc: '0044-03-15 BC', iv: 'P1Y2M3DT4H5M6.5S', arr: '{1,2}', f: 1.5, i: 42, b: true,
      });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('sets the session parameters at start-up and the application_name', async () => {
    const sql = open({ application_name: 'tap-conn-test' });
    try {
      const [row] = await sql`
        SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds,
               current_setting('IntervalStyle') AS iv, current_setting('extra_float_digits') AS efd,
               current_setting('bytea_output') AS bo, current_setting('application_name') AS app`;
      expect(row).toEqual({ tz: 'UTC', ds: 'ISO, YMD', iv: 'iso_8601', efd: '1', bo: 'hex', app: 'tap-conn-test' });
      expect(loadConfig([testConfig()], {}).application_name).toBe('tap-postgres-ts');
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('accepts Dates and bigints as parameters', async () => {
    const sql = open();
    try {
      const [row] = await sql`SELECT ${new Date('2024-05-06T07:08:09.123Z')}::timestamptz AS ts, ${12345678901234567n}::int8 AS big`;
      expect(row).toEqual({ ts: '2024-05-06 07:08:09.123+00', big: '12345678901234567' });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('reports the server version and sends notices to the debug log', async () => {
    const lines: string[] = [];
    const sql = open({}, lines);
    try {
      const info = await serverInfo(sql);
      expect(info.version).toMatch(/^\d+\.\d+/);
      expect(info.versionNum).toBeGreaterThanOrEqual(120000);
      expect(Math.floor(info.versionNum / 10000)).toBe(Number(info.version.split('.')[0]));
      await sql`DO $$ BEGIN RAISE NOTICE 'hello from the server'; END $$`;
      expect(lines.some((line) => line.includes('DEBUG server notice') && line.includes('hello from the server'))).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
