/**
 * "Did you mean": the known word nearest a mistyped one. An edit distance over a few short words
 * is twenty lines, so no library is bundled for it (`leven` and `fastest-levenshtein` count a
 * swap of two letters, the commonest typo, as two edits).
 */

/**
 * Insertions, deletions, substitutions and swaps of two neighbours (`lsit`) that turn `a` into
 * `b` (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}

/**
 * The known word nearest `given` (without regard to case), when it is near enough to be a typo:
 * at most a third of its length changed (one edit in `gett`, `lsit` or `--vualt-url`). Undefined
 * when none is, or two are equally near.
 */
export function nearest(given: string, known: readonly string[]): string | undefined {
  const word = given.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of known) {
    const distance = editDistance(word, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance, tie] = [candidate, distance, false];
    else if (distance === bestDistance) tie = true;
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return best !== undefined && !tie && bestDistance > 0 && bestDistance <= limit ? best : undefined;
}

/** `; did you mean X?` for a message, or nothing. */
export function didYouMean(given: string, known: readonly string[]): string {
  const match = nearest(given, known);
  return match === undefined ? "" : `; did you mean ${match}?`;
}
