/**
 * One id style: models, gates and losses are kebab-case (`negative-linear`, `abn-resnet20`,
 * `map-pull`). Specs, spaces and study files written with the old spellings (`negativeLinear`,
 * `abn_resnet20`, `wrn28_2`) still load for this release: every parse function passes its input
 * through `upgradeIds`, which rewrites them and prints one deprecation line per spelling.
 */

/** old spelling → id; accepted until ktg 0.3 */
export const deprecatedIds: Readonly<Record<string, string>> = {
  negativeLinear: 'negative-linear',
  abn_resnet20: 'abn-resnet20',
  abn_resnet32: 'abn-resnet32',
  abn_resnet110: 'abn-resnet110',
  wrn28_2: 'wrn28-2',
  wrn16_2: 'wrn16-2',
};

/** the keys whose string values (or arrays of strings) are ids */
const idKeys = new Set(['name', 'model', 'models', 'gates', 'labelGates', 'adversarialGates', 'loss', 'losses', 'selfLosses', 'metricModel']);
const warned = new Set<string>();

export function deprecationMessage(old: string): string {
  return `[ktg] "${old}" is deprecated: write "${deprecatedIds[old]}" (ids are kebab-case; the old spelling is accepted until ktg 0.3)`;
}

function upgradeValue(value: unknown, warn: (old: string) => void): unknown {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(deprecatedIds, value)) {
    warn(value);
    return deprecatedIds[value];
  }
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? upgradeValue(v, warn) : upgradeIds(v, warn)));
  return upgradeIds(value, warn);
}

/**
 * A copy of `input` with deprecated ids replaced under id keys (at any depth); the input is not
 * changed. `warn` (default: one console line per spelling per process) hears each old spelling.
 */
export function upgradeIds<T>(input: T, warn: (old: string) => void = warnOnce): T {
  if (Array.isArray(input)) return input.map((v) => upgradeIds(v, warn)) as T;
  if (typeof input !== 'object' || input === null) return input;
  // a null-prototype copy: a "__proto__" key stays an own key, which the strict schemas then refuse as unknown
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) out[k] = idKeys.has(k) ? upgradeValue(v, warn) : upgradeIds(v, warn);
  return out as T;
}

function warnOnce(old: string): void {
  if (warned.has(old)) return;
  warned.add(old);
  console.warn(deprecationMessage(old));
}
