import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../../lib/config/load-config';
import { InputError } from '../../lib/errors';

const base = { host: 'db.example', port: 5433, user: 'u', dbname: 'd' };

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('batch_config', () => {
  it('is absent unless set, and an empty group changes nothing', () => {
    expect(loadConfig([base], {}).batch_config).toBeUndefined();
    expect(loadConfig([{ ...base, batch_config: {} }], {}).batch_config).toBeUndefined();
  });

  it('takes the SDK form, with an absolute root', () => {
    const config = loadConfig(
      [{ ...base, batch_config: { encoding: { format: 'jsonl', compression: 'none' }, storage: { root: 'file:///data/batches', prefix: 'x-' }, batch_size: 500 } }],
      {},
    );
    expect(config.batch_config).toEqual({ format: 'jsonl', compression: 'none', root: 'file:///data/batches', folder: '/data/batches', prefix: 'x-', batch_size: 500 });
  });

  it('fills the defaults: gzip, 10000 records, the singer-sdk folder of the temporary directory; a relative root is from the working directory', () => {
    expect(loadConfig([{ ...base, batch_config: { encoding: { format: 'jsonl' } } }], {}).batch_config).toEqual({
      format: 'jsonl',
      compression: 'gzip',
      root: 'file://',
      folder: resolve(tmpdir(), 'singer-sdk'),
      prefix: '',
      batch_size: 10000,
    });
    expect(loadConfig([{ ...base, batch_config: { storage: { root: 'file://out/b' } } }], {}).batch_config?.folder).toBe(resolve('out/b'));
  });

  it("takes Meltano's flat, string-valued settings", () => {
    const config = loadConfig([{ ...base, 'batch_config.encoding.compression': 'gzip', 'batch_config.storage.root': 'file:///b', 'batch_config.batch_size': '25' }], {});
    expect(config.batch_config).toMatchObject({ compression: 'gzip', folder: '/b', batch_size: 25 });
  });

  it.each([
    [{ encoding: { format: 'parquet' } }, '/batch_config/encoding/format must be one of "jsonl" (got "parquet")'],
    [{ encoding: { compression: 'snappy' } }, '/batch_config/encoding/compression must be one of "gzip", "none" (got "snappy")'],
    [{ storage: { root: 's3://bucket/batches' } }, '/batch_config/storage/root must be a string matching ^file:// (got "s3://bucket/batches")'],
    [{ batch_size: 0 }, '/batch_config/batch_size must be an integer >= 1 (got 0)'],
  ])('refuses %j naming the key', (group, message) => {
    const error = errorOf(() => loadConfig([{ ...base, batch_config: group }], {}));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`config: ${message}`);
  });
});
