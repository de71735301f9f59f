// "Did you mean": the one way scenario messages suggest a name for a
// misspelt one (keys, enum values, kinds, and references to sites, nodes,
// networks, VNFs, links, faults, workloads).

/** The option closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * The end of a message about a name that is not one of `options`:
 * `: did you mean "west"? (sites: east, west)` when one is close,
 * ` (sites: east, west)` when none is.
 */
export function suggest(word: string, options: readonly string[], label: string): string {
  const hint = nearest(word, options);
  const list = `(${label}: ${options.length > 0 ? options.join(', ') : 'none'})`;
  return hint === undefined ? ` ${list}` : `: did you mean "${hint}"? ${list}`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
