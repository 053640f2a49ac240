/**
 * Gradient surgery (PCGrad, Yu et al. 2020; thesis §4.3.3): two losses conflict when their
 * gradients have a negative dot product; each gradient then loses its component along the other
 * (g_i ← g_i − (g_i·g_j / ‖g_j‖²) g_j, against every other original g_j in order) before they are summed.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SurgeryResult {
  /** the projected gradients, one flat vector per loss */
  projected: tf.Tensor1D[];
  /** conflicts[i][j] = 1 when the original g_i · g_j < 0 */
  conflicts: number[][];
}

export function projectConflicts(grads: tf.Tensor1D[]): SurgeryResult {
  const k = grads.length;
  const dots = tf.tidy(() => tf.matMul(tf.stack(grads) as tf.Tensor2D, tf.stack(grads) as tf.Tensor2D, false, true).arraySync() as number[][]);
  const conflicts = dots.map((row, i) => row.map((d, j) => (i !== j && d < 0 ? 1 : 0)));
  const projected = grads.map((g, i) =>
    tf.tidy(() => {
      let gi: tf.Tensor1D = g.clone();
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        const d = tf.sum(tf.mul(gi, grads[j]));
        const norm2 = dots[j][j];
        if (norm2 <= 0 || d.dataSync()[0] >= 0) continue;
        gi = tf.sub(gi, tf.mul(grads[j], tf.div(d, norm2))) as tf.Tensor1D;
      }
      return gi;
    }),
  );
  return { projected, conflicts };
}

/** all variables' gradients as one flat vector (in `vars` order) */
export function flattenGrads(grads: Record<string, tf.Tensor>, vars: tf.Variable[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1]))) as tf.Tensor1D);
}

/** the inverse of flattenGrads */
export function unflattenGrads(flat: tf.Tensor1D, vars: tf.Variable[]): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    let offset = 0;
    for (const v of vars) {
      out[v.name] = tf.reshape(tf.slice(flat, [offset], [v.size]), v.shape);
      offset += v.size;
    }
    return out;
  });
}
