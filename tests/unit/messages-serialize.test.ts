import { activateVersionMessage, recordLine, recordPrefix, schemaMessage, stateMessage } from '../../lib/messages/serialize';
import type { SingerMessage } from '../../lib/messages/types';
import { expectValidSingerLines } from '../helpers/messages';

describe('Singer message serialisers', () => {
  const schema = { type: 'object', properties: { id: { type: 'integer' }, name: { type: ['null', 'string'] } } };

  test('SCHEMA', () => {
    const line = schemaMessage('public-my table', schema, ['id'], ['id']);
    expect(JSON.parse(line)).toEqual({ type: 'SCHEMA', stream: 'public-my table', schema, key_properties: ['id'], bookmark_properties: ['id'] });
    expect(JSON.parse(schemaMessage('s', schema, []))).not.toHaveProperty('bookmark_properties');
  });

  test('RECORD with and without version; stream names are escaped', () => {
    const prefix = recordPrefix('public-"odd"\nname');
    const withVersion = recordLine(prefix, '{"id":9223372036854775807}', 1700000000000, '2024-01-01T00:00:00.000Z');
    expect(withVersion).toBe(
      '{"type":"RECORD","stream":"public-\\"odd\\"\\nname","record":{"id":9223372036854775807},"version":1700000000000,"time_extracted":"2024-01-01T00:00:00.000Z"}',
    );
    const parsed = JSON.parse(withVersion) as SingerMessage;
    expect(parsed).toMatchObject({ type: 'RECORD', stream: 'public-"odd"\nname', version: 1700000000000 });
    const plain = JSON.parse(recordLine(prefix, '{}', undefined, '2024-01-01T00:00:00.000Z'));
    expect(plain).not.toHaveProperty('version');
    expect(plain.time_extracted).toBe('2024-01-01T00:00:00.000Z');
  });

  test('STATE and ACTIVATE_VERSION', () => {
    const value = { currently_syncing: null, bookmarks: { 'public-t': { version: 1, replication_key_value: '2024-01-01' } } };
    expect(JSON.parse(stateMessage(value))).toEqual({ type: 'STATE', value });
    expect(activateVersionMessage('public-t', 42)).toBe('{"type":"ACTIVATE_VERSION","stream":"public-t","version":42}');
  });

  test('every line is compact, single-line and valid against the Singer spec', () => {
    const lines = [
      schemaMessage('public-t', schema, ['id'], []),
      recordLine(recordPrefix('public-t'), '{"id":1,"name":"a\\nb"}', 3, new Date(0).toISOString()),
      stateMessage({ currently_syncing: null, bookmarks: {} }),
      activateVersionMessage('public-t', 3),
    ];
    for (const line of lines) {
      expect(line).not.toContain('\n');
      expect(line).not.toMatch(/": /);
    }
    expectValidSingerLines(lines.join('\n') + '\n');
  });
});
