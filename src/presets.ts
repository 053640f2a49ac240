/**
 * Experiment sizes. `ci` is small enough for CI (minutes per notebook on this 2-core CPU machine);
 * `cpu` is the largest experiment per notebook that finishes in ≤ 90 minutes here, sized so that its
 * claims can be decided over paired seeds (the committed results); `paper` holds the papers'
 * settings for users with a GPU. Chosen by KTG_PRESET (default: ci).
 */
export type PresetName = 'ci' | 'cpu' | 'paper';
export const PRESET_NAMES: readonly PresetName[] = ['ci', 'cpu', 'paper'];

export function presetName(): PresetName {
  const raw = process.env.KTG_PRESET ?? 'ci';
  if (!PRESET_NAMES.includes(raw as PresetName)) throw new Error(`KTG_PRESET must be one of ${PRESET_NAMES.join(', ')}, got "${raw}"`);
  return raw as PresetName;
}

/** picks the value for the active preset (a notebook without a `cpu` entry says so when asked for it) */
export function byPreset<T>(values: { ci: T; paper: T; cpu?: T }): T {
  const name = presetName();
  const value = values[name];
  if (value === undefined) throw new Error(`this experiment has no "${name}" preset yet (it has: ${Object.keys(values).join(', ')})`);
  return value;
}
