/**
 * Variant keys on LOG_BASED streams, snapshot and streamed changes alike: dates_as_string
 * (MeltanoLabs), include_schemas_in_destination_stream_name and debug_lsn (singer-io),
 * emit_activate_version_messages false (Meltano SDK).
 */
import { byType, expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture(
    'variants',
    `CREATE TABLE S.events (id int PRIMARY KEY, d date, at timestamptz);
     INSERT INTO S.events VALUES (1, '4713-01-01 BC', '2024-01-01 10:00:00.25+00');`,
    ['events'],
    { dates_as_string: 'true', include_schemas_in_destination_stream_name: 'true', debug_lsn: 'true', emit_activate_version_messages: 'false' },
  );
});

afterAll(async () => {
  await f.drop();
});

test('snapshot and changes: server text for dates, <schema>_<table> name, _sdc_lsn, no ACTIVATE_VERSION', async () => {
  const name = `${f.schema}_events`;
  const first = await f.run(['events']);
  const state = expectOk(first);
  expectValidSingerLines(first.stdout);
  const schema = byType(first.messages, 'SCHEMA')[0];
  expect(schema.stream).toBe(name);
  expect(schema.schema.properties.at).toEqual({ type: ['null', 'string'] });
  await f.sql.unsafe(`INSERT INTO ${f.schema}.events VALUES (2, 'infinity', '2024-06-30 23:59:59.999999+00')`);
  const second = await f.run(['events'], state);
  expectOk(second);
  const rows = [...first.messages, ...second.messages].filter((m) => m.type === 'RECORD');
  expect(rows.every((m) => m.stream === name && Number.isInteger(m.record._sdc_lsn))).toBe(true);
  expect(rows.map((m) => [m.record.id, m.record.d, m.record.at])).toEqual([
    [1, '4713-01-01 BC', '2024-01-01 10:00:00.25+00'],
    [2, 'infinity', '2024-06-30 23:59:59.999999+00'],
  ]);
  expect(byType([...first.messages, ...second.messages], 'ACTIVATE_VERSION')).toEqual([]);
  expect(Object.keys(state.bookmarks)).toEqual([`${f.schema}-events`]);
});
