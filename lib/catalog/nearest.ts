/**
 * The names closest to a mistyped one or a glob that matched nothing, for "nearest" hints:
 * edit distance (Levenshtein), where a glob's `*` stands for any run of characters and `?` or
 * `[…]` for any one character at no cost.
 */

type Token = string | 'STAR' | 'ANY';

/** A glob as tokens; `[` without its `]` is a plain character. */
function tokens(glob: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    const close = c === '[' ? glob.indexOf(']', i + 2) : -1;
    if (c === '*') out.push('STAR');
    else if (c === '?') out.push('ANY');
    else if (close !== -1) {
      out.push('ANY');
      i = close;
    } else out.push(c);
  }
  return out;
}

function distance(pattern: readonly Token[], text: string): number {
  // previous[j]: cost of matching the pattern so far against text[0, j).
  let previous = Array.from({ length: text.length + 1 }, (_, j) => j);
  for (const token of pattern) {
    const current = [token === 'STAR' ? previous[0] : previous[0] + 1];
    for (let j = 1; j <= text.length; j += 1) {
      if (token === 'STAR') current.push(Math.min(previous[j], current[j - 1]));
      else {
        const same = token === 'ANY' || token === text[j - 1] ? 0 : 1;
        current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + same));
      }
    }
    previous = current;
  }
  return previous[text.length];
}

/** Levenshtein distance between two plain strings. */
export function editDistance(a: string, b: string): number {
  return distance([...a], b);
}

/** Up to `count` candidates nearest to `glob` (a name or a glob); ties in candidate order. */
export function nearest(glob: string, candidates: readonly string[], count = 3): string[] {
  const pattern = tokens(glob);
  return [...new Set(candidates)]
    .map((candidate, index) => ({ candidate, index, cost: distance(pattern, candidate) }))
    .sort((x, y) => x.cost - y.cost || x.index - y.index)
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
