/**
 * Turns zod validation errors into one line per problem, naming where it is. Objects are strict
 * everywhere in ktg (graph specs, search spaces, study files, co-GAN specs): an unknown key is an
 * error that names it and suggests the nearest known key (`gaet` → "did you mean gate?"), instead of
 * being dropped while a default takes its place.
 */
import { z } from 'zod';

/** edit distance (insertions, deletions, substitutions, and swaps of neighbours) */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** longest input echoed in a message: beyond it, the start and the length */
export const MAX_SHOWN = 60;

/** an input as echoed in an error message: at most MAX_SHOWN characters, then its length */
export function shown(text: string, max = MAX_SHOWN): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** the candidate closest to `word` (case-insensitive), if it is close enough to be a likely typo */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  // ids are short: a long word is no typo of one (and its edit distances would cost length × length)
  if (word.length > 2 * MAX_SHOWN) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best != null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else if (s instanceof z.ZodLazy) s = s.schema;
    else return s;
  }
}

/** the schemas that can sit at `path` below `schema` (several for unions) */
function schemasAt(schema: z.ZodTypeAny, path: ReadonlyArray<string | number>): z.ZodTypeAny[] {
  let current = [unwrap(schema)];
  for (const step of path) {
    const next: z.ZodTypeAny[] = [];
    for (const s of current) {
      if (s instanceof z.ZodObject && typeof step === 'string' && step in s.shape) next.push(unwrap(s.shape[step]));
      else if (s instanceof z.ZodArray) next.push(unwrap(s.element));
      else if (s instanceof z.ZodTuple && typeof step === 'number' && s.items[step]) next.push(unwrap(s.items[step]));
      else if (s instanceof z.ZodRecord) next.push(unwrap(s.valueSchema));
      else if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
        for (const o of s.options as z.ZodTypeAny[]) next.push(...schemasAt(o, [step]));
      }
    }
    current = next;
  }
  return current.flatMap((s) => (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion ? (s.options as z.ZodTypeAny[]).map(unwrap) : [s]));
}

/** the keys an object schema accepts at `path` */
export function knownKeys(schema: z.ZodTypeAny, path: ReadonlyArray<string | number>): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

function where(path: ReadonlyArray<string | number>, root: string): string {
  return path.length ? path.join('.') : root;
}

/** One line per problem; unknown keys say which key was probably meant. */
export function issueLines(schema: z.ZodTypeAny, error: z.ZodError, root = 'spec'): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      return issue.keys.map((key) => {
        const guess = nearest(key, known);
        return `${where(issue.path, root)}: unknown key "${shown(key)}"${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : ''}`;
      });
    }
    if (issue.code === 'invalid_union' && issue.unionErrors.length > 0) {
      // report against the alternative the input came closest to
      const closest = [...issue.unionErrors].sort((a, b) => a.issues.length - b.issues.length)[0];
      return issueLines(schema, closest, root);
    }
    if (issue.code === 'invalid_enum_value') {
      const guess = nearest(String(issue.received), issue.options.map(String));
      return [
        `${where(issue.path, root)}: "${shown(String(issue.received))}" is not one of ${issue.options.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
      ];
    }
    return [`${where(issue.path, root)}: ${issue.message}`];
  });
}

/** a finite number (rejects NaN, ±Infinity and values such as 1e999 that parse to Infinity) */
export const finite = () => z.number().finite();
