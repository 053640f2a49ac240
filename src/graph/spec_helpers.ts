/** Re-exports of the spec module plus the label-only spec used for pretraining frozen nodes. */
import { GraphSpec, parseGraphSpec } from './spec';
import { vanillaGraph } from './presets';

export * from './spec';

export function vanillaSpecFor(spec: GraphSpec, model: string): GraphSpec {
  return parseGraphSpec(vanillaGraph({ numClasses: spec.numClasses, inputShape: spec.inputShape, model }));
}
