/**
 * Feature-map distillation losses of thesis Ch.2: FSP matrices (Yim et al., Eq 2.13–2.14) and the
 * FitNets hint loss with a learned regressor (Romero et al., Eq 2.10). Per-sample values [n].
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, ParamStore } from '../models/layers';

/** average-pools `x` down to `size` (h, w) when it is larger by an integer factor */
export function poolTo(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === size[0] && w === size[1]) return x;
  if (h % size[0] !== 0 || w % size[1] !== 0 || h / size[0] !== w / size[1]) throw new Error(`cannot pool a ${h}×${w} map to ${size[0]}×${size[1]}`);
  const f = h / size[0];
  return tf.avgPool(x, f, f, 'valid');
}

/** FSP matrix G = Σ_{h,w} F1[h,w,:]ᵀ F2[h,w,:] / (h·w), [n, c1, c2]; F1 is pooled to F2's size */
export function fspMatrix(f1: tf.Tensor4D, f2: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const a = poolTo(f1, [f2.shape[1], f2.shape[2]]);
    const [n, h, w, c1] = a.shape;
    const c2 = f2.shape[3];
    const left = tf.transpose(tf.reshape(a, [n, h * w, c1]), [0, 2, 1]);
    return tf.div(tf.matMul(left, tf.reshape(f2, [n, h * w, c2])), h * w) as tf.Tensor3D;
  });
}

/**
 * FSP loss between consecutive stages: mean over stage pairs of ‖G_s − G_t‖² per sample. Source and
 * target need the same channel widths per stage (e.g. ResNet-32 and ResNet-110).
 */
export function fspLoss(source: tf.Tensor4D[], target: tf.Tensor4D[]): tf.Tensor1D {
  if (source.length !== target.length || source.length < 2)
    throw new Error(`FSP needs the same number (≥ 2) of stages on both sides, got ${source.length} and ${target.length}`);
  source.forEach((s, i) => {
    if (s.shape.slice(1).join('x') !== target[i].shape.slice(1).join('x'))
      throw new Error(`FSP needs equal stage shapes: stage ${i + 1} is ${s.shape.slice(1).join('×')} vs ${target[i].shape.slice(1).join('×')}`);
  });
  return tf.tidy(() => {
    const pairs = source.slice(1).map((_, i) => tf.sum(tf.square(tf.sub(fspMatrix(source[i], source[i + 1]), fspMatrix(target[i], target[i + 1]))), [1, 2]));
    return tf.div(tf.addN(pairs), pairs.length) as tf.Tensor1D;
  });
}

/**
 * FitNets hint: a 1×1 convolution (its weights in `regressor`, trained with the student) maps the
 * student's guided layer to the teacher's hint layer's channels (after pooling the larger map);
 * the per-sample loss is the mean squared difference.
 */
export function hintLoss(teacherHint: tf.Tensor4D, studentGuided: tf.Tensor4D, regressor: ParamStore): tf.Tensor1D {
  return tf.tidy(() => {
    const [th, tw] = [teacherHint.shape[1], teacherHint.shape[2]];
    const [sh, sw] = [studentGuided.shape[1], studentGuided.shape[2]];
    const s = sh >= th ? poolTo(studentGuided, [th, tw]) : studentGuided;
    const t = sh >= th ? teacherHint : poolTo(teacherHint, [sh, sw]);
    const mapped = conv2d(regressor, 'regressor', s, t.shape[3], 1, 1, 'valid', true);
    return tf.mean(tf.square(tf.sub(mapped, t)), [1, 2, 3]) as tf.Tensor1D;
  });
}
