/**
 * Splits a JSON object's text into its members' raw value texts without parsing numbers, so a
 * test can compare digit-exact values (JSON.parse would round big integers).
 */
export function rawMembers(objectText: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = 1; // after '{'
  const skipString = (at: number): number => {
    let j = at + 1;
    while (objectText[j] !== '"') j += objectText[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  while (i < objectText.length && objectText[i] !== '}') {
    if (objectText[i] === ',') i += 1;
    const keyEnd = skipString(i);
    const key = JSON.parse(objectText.slice(i, keyEnd)) as string;
    let j = keyEnd + 1; // after ':'
    const start = j;
    let depth = 0;
    while (j < objectText.length) {
      const c = objectText[j];
      if (c === '"') {
        j = skipString(j);
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === ',' && depth === 0) break;
      j += 1;
    }
    members.set(key, objectText.slice(start, j));
    i = j;
  }
  return members;
}

/** The raw text of the `record` member of a RECORD line. */
export function rawRecord(line: string): Map<string, string> {
  const start = line.indexOf('"record":') + '"record":'.length;
  let depth = 0;
  let j = start;
  for (; j < line.length; j += 1) {
    const c = line[j];
    if (c === '"') {
      j += 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '{') depth += 1;
    if (c === '}') {
      depth -= 1;
      if (depth === 0) break;
    }
  }
  return rawMembers(line.slice(start, j + 1));
}
