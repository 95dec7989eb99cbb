/**
 * WAL positions (LSNs) and the replication protocol's clock. Pure. LSNs are 64-bit; they are
 * BigInt here and JSON integers in the STATE ((hi << 32) + lo, exact while below 2^53, which
 * is 8 PiB of WAL).
 */

/** `16/B374D848` → 0x16B374D848n. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new RangeError(`not an LSN: ${JSON.stringify(text)}`);
  return (BigInt('0x' + match[1]) << 32n) + BigInt('0x' + match[2]);
}

/** 0x16B374D848n → `16/B374D848` (the server's own form). */
export function formatLsn(lsn: bigint): string {
  if (lsn < 0n || lsn > 0xffffffffffffffffn) throw new RangeError(`LSN out of range: ${lsn}`);
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The STATE's integer form. */
export function lsnToNumber(lsn: bigint): number {
  if (lsn < 0n || lsn > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`LSN ${formatLsn(lsn)} does not fit a JSON integer exactly`);
  return Number(lsn);
}

/** A bookmark's `lsn` (a non-negative integer) as an LSN; undefined when absent or invalid. */
export function lsnFromBookmark(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value);
  return undefined;
}

export function maxLsn(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export function minLsn(values: Iterable<bigint>): bigint | undefined {
  let min: bigint | undefined;
  for (const value of values) if (min === undefined || value < min) min = value;
  return min;
}

/** Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01 UTC). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** A protocol timestamp (µs since 2000-01-01 UTC) → `2024-02-29T13:14:15.123456+00:00`. */
export function pgTimestampToIso(micros: bigint): string {
  const unixMicros = micros + PG_EPOCH_MICROS;
  let millis = unixMicros / 1000n;
  let rest = unixMicros % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    millis -= 1n;
  }
  const iso = new Date(Number(millis)).toISOString(); // 2024-02-29T13:14:15.123Z
  return iso.slice(0, 23) + rest.toString().padStart(3, '0') + '+00:00';
}

/** A Date → protocol timestamp (µs since 2000-01-01 UTC). */
export function pgTimestampFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n - PG_EPOCH_MICROS;
}
