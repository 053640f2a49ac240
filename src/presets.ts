/**
 * Experiment sizes. `ci` is small enough for this 2-core CPU machine and CI; `paper` holds the
 * papers' settings for users with a GPU. Chosen by KTG_PRESET (default: ci).
 */
export type PresetName = 'ci' | 'paper';

export function presetName(): PresetName {
  const raw = process.env.KTG_PRESET ?? 'ci';
  if (raw !== 'ci' && raw !== 'paper') throw new Error(`KTG_PRESET must be "ci" or "paper", got "${raw}"`);
  return raw;
}

/** picks the value for the active preset */
export function byPreset<T>(values: Record<PresetName, T>): T {
  return values[presetName()];
}
