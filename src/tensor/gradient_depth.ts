/**
 * Whether the gradient being computed is itself recorded for a further differentiation (e.g.
 * WGAN-GP's penalty). Fused kernels with hand-written gradients (batch norm, residual add + ReLU)
 * then take their composed, differentiable form.
 */
import * as tf from '@tensorflow/tfjs-core';

/** true while gradients computed now are recorded for a further differentiation */
export function gradientIsDifferentiated(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}
