import { checkSupported, MIN_SERVER_VERSION_NUM } from '../../lib/db/server-info';
import { SyncError } from '../../lib/errors';

describe('checkSupported', () => {
  it.each([
    ['11.22', 110022],
    ['10.23', 100023],
    ['9.6.24', 90624],
  ])('refuses PostgreSQL %s with one line and exit 1', (version, versionNum) => {
    let thrown: unknown;
    try {
      checkSupported({ version, versionNum });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SyncError);
    expect(thrown).toMatchObject({ code: 'SERVER_TOO_OLD', exitCode: 1 });
    expect((thrown as Error).message).toBe(`PostgreSQL ${version} is older than 12, the oldest this tap supports; upgrade the server`);
  });

  it('names the version without the distribution suffix', () => {
    expect(() => checkSupported({ version: '11.5 (Debian 11.5-1+deb10u1)', versionNum: 110005 })).toThrow(/^PostgreSQL 11\.5 is older/);
  });

  it.each([MIN_SERVER_VERSION_NUM, 120022, 150019, 180004])('accepts %d', (versionNum) => {
    expect(() => checkSupported({ version: String(versionNum), versionNum })).not.toThrow();
  });
});
