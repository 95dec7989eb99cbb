import { loadConfig } from '../../lib/config/load-config';
import type { TapConfig } from '../../lib/config/types';
import { readingConfig } from '../../lib/db/connect';
import { InputError } from '../../lib/errors';
import { setupProblems, type LogicalSetup } from '../../lib/sync/logical/slot-check';

const base = { host: 'primary.internal', port: 6543, user: 'u', dbname: 'd' };

describe('use_secondary config', () => {
  test('off by default: no secondary, reads go to host', () => {
    const config = loadConfig([{ ...base, secondary_host: 'replica.internal' }], {});
    expect(config.secondary).toBeUndefined();
    expect(readingConfig(config)).toBe(config);
  });

  test('on: secondary_port defaults to port; reads go to the replica, the rest of the config stays', () => {
    const config = loadConfig([{ ...base, use_secondary: true, secondary_host: 'replica.internal' }], {});
    expect(config.secondary).toEqual({ host: 'replica.internal', port: 6543 });
    expect(readingConfig(config)).toEqual({ ...config, host: 'replica.internal', port: 6543 });
    expect(config.host).toBe('primary.internal');
  });

  test('Meltano strings work, and an explicit port wins', () => {
    const config = loadConfig([{ ...base, use_secondary: 'true', secondary_host: 'r', secondary_port: '5433' }], {});
    expect(config.secondary).toEqual({ host: 'r', port: 5433 });
  });

  test('on without secondary_host: exit 2 naming it', () => {
    expect(() => loadConfig([{ ...base, use_secondary: true }], {})).toThrow(InputError);
    expect(() => loadConfig([{ ...base, use_secondary: true }], {})).toThrow('config: /use_secondary is true but /secondary_host is not set');
  });
});

describe('LOG_BASED on a hot standby', () => {
  const config = { dbname: 'd', replication_slot_name: 'slot', publication_name: 'pub' } as TapConfig;
  const standby: LogicalSetup = { versionNum: 150000, walLevel: 'logical', canReplicate: true, user: 'u', inRecovery: true };

  test('is refused with one problem saying why, before PostgreSQL 16 and after', () => {
    expect(setupProblems(standby, config, [])).toEqual([
      'the server is a hot standby (in recovery) and logical decoding on a standby needs PostgreSQL 16: point host at the primary (with use_secondary and secondary_host, FULL_TABLE and INCREMENTAL still read from the standby)',
    ]);
    expect(setupProblems({ ...standby, versionNum: 160000 }, config, [])).toEqual([
      expect.stringMatching(/^the server is a hot standby \(in recovery\) and the tap reads LOG_BASED changes from the primary only: point host at the primary/),
    ]);
  });
});
