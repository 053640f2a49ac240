/** `ktg search --preset`: the study settings of a preset, by the kind of the space (see kind_id.ts). */
import type { PresetName } from '../../presets';
import { ganSearchPresets, SearchPreset, searchPresets } from '../presets';
import { kindIdOf } from './kind_id';

export function searchPresetFor(space: unknown, preset: PresetName): SearchPreset {
  return kindIdOf({ space }) === 'gan' ? { ...searchPresets[preset], ...ganSearchPresets[preset] } : searchPresets[preset];
}
