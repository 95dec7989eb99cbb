import { quoteIdentifier, quoteLiteral, quoteQualified } from '../../lib/sync/queries';

test('identifiers: any name, double quotes doubled, dots kept inside the name', () => {
  expect(quoteIdentifier('Mixed Case')).toBe('"Mixed Case"');
  expect(quoteIdentifier('a"b.c')).toBe('"a""b.c"');
  expect(quoteIdentifier('名前')).toBe('"名前"');
  expect(quoteQualified('my.schema', 'ta"ble')).toBe('"my.schema"."ta""ble"');
});

test('literals: single quotes doubled, backslashes as they are', () => {
  expect(quoteLiteral("it's")).toBe("'it''s'");
  expect(quoteLiteral('C:\\x')).toBe("'C:\\x'");
  expect(quoteLiteral(quoteIdentifier("pub'\"x"))).toBe(`'"pub''""x"'`);
});
