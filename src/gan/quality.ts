/**
 * Sample-quality scoring for generators (SPEC §7). Inception-v3 cannot be downloaded here, so the
 * default feature network is a classifier the library trains on the dataset itself and caches on
 * disk (the pretrained-node cache, keyed by training-set content and settings); its Inception Score
 * and Fréchet distance are labelled with the classifier's name so they are never mistaken for the
 * published Inception numbers. Real Inception weights in TensorFlow.js format (graph or layers
 * model.json + weight shards) can be loaded from a local directory instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel, LayersModel, model as layersModel } from '@tensorflow/tfjs-layers';
import { ImageDataset } from '../data/dataset';
import { toTensor } from '../data/batches';
import { evaluate, pretrained } from '../training';
import { parseGraphSpec } from '../graph/spec';
import { vanillaGraph } from '../graph/methods';
import { Classifier } from '../models/model';
import { classifierOutputs, frechetDistance, inceptionScore } from './metrics';
import { DcganGenerator } from './dcgan';
import { generateImages } from './train_gan';

/** A network that turns images in [−1, 1] into class probabilities and penultimate features. */
export interface FeatureNetwork {
  /** shown next to every score, e.g. "cnn16 trained on fashion-mnist (not Inception)" */
  name: string;
  classes: number;
  /** the image shape it expects; other sizes are resized bilinearly */
  inputShape: [number, number, number];
  outputs(images: tf.Tensor4D): { probs: Float32Array; features: Float32Array; dim: number };
}

export interface SampleScores {
  /** Inception Score over 10 splits (mean ± std) */
  inceptionScore: number;
  inceptionScoreStd: number;
  /** Fréchet distance to the reference (real) images' features */
  fid: number;
}

export interface SampleScorer {
  network: FeatureNetwork;
  /** features of the real reference images */
  reference: { features: Float32Array; dim: number; count: number };
  /** IS of the real reference images: what a perfect generator would reach with this network */
  realInceptionScore: number;
  score(images: tf.Tensor4D): SampleScores;
}

function fitTo(images: tf.Tensor4D, shape: [number, number, number]): tf.Tensor4D {
  const [, h, w, c] = images.shape;
  if (c !== shape[2]) throw new Error(`the feature network takes ${shape[2]}-channel images, got ${c} channels`);
  return h === shape[0] && w === shape[1] ? images : tf.image.resizeBilinear(images, [shape[0], shape[1]]);
}

/** A classifier of the library as a feature network (penultimate = global average of the last feature map). */
export function classifierNetwork(classifier: Classifier, name: string): FeatureNetwork {
  return {
    name,
    classes: classifier.info.numClasses,
    inputShape: classifier.info.inputShape,
    outputs(images) {
      const fitted = fitTo(images, classifier.info.inputShape);
      try {
        const { probs, features, dim } = classifierOutputs(classifier, fitted);
        return { probs, features, dim };
      } finally {
        if (fitted !== images) fitted.dispose();
      }
    },
  };
}

export interface MetricClassifierOptions {
  /** registry model (default cnn16: fast on CPU, > 85 % on Fashion-MNIST) */
  model?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

/**
 * The library's stand-in for Inception on a dataset: `model` trained on `train` with labels only,
 * cached on disk (KTG_PRETRAINED_DIR, default <data dir>/pretrained) so every notebook, test and
 * search worker reuses the same weights. Returns the network and its accuracy on `test`.
 */
export async function metricClassifier(
  data: { train: ImageDataset; test: ImageDataset },
  options: MetricClassifierOptions = {},
): Promise<{ network: FeatureNetwork; classifier: Classifier; testAccuracy: number }> {
  const model = options.model ?? 'cnn16';
  const spec = parseGraphSpec(vanillaGraph({ numClasses: data.train.classes.length, inputShape: data.train.shape, model }));
  const classifier = await pretrained(spec, model, data, {
    epochs: options.epochs ?? 4,
    batchSize: options.batchSize ?? 64,
    learningRate: options.learningRate ?? 0.05,
    schedule: 'cosine',
    seed: options.seed ?? 0,
  });
  const testAccuracy = evaluate(classifier, data.test);
  return {
    network: classifierNetwork(classifier, `${model} trained on ${data.train.name} (${(100 * testAccuracy).toFixed(1)} % test accuracy; not Inception)`),
    classifier,
    testAccuracy,
  };
}

/** A scorer against real reference images (their features are computed once). */
export function createScorer(network: FeatureNetwork, reference: ImageDataset | tf.Tensor4D, splits = 10): SampleScorer {
  const images =
    reference instanceof tf.Tensor
      ? reference
      : toTensor(
          reference,
          Int32Array.from({ length: reference.labels.length }, (_, i) => i),
        );
  try {
    const out = network.outputs(images);
    const count = images.shape[0];
    return {
      network,
      reference: { features: out.features, dim: out.dim, count },
      realInceptionScore: inceptionScore(out.probs, network.classes, splits).mean,
      score(generated) {
        const g = network.outputs(generated);
        const is = inceptionScore(g.probs, network.classes, splits);
        return { inceptionScore: is.mean, inceptionScoreStd: is.std, fid: frechetDistance(g.features, out.features, out.dim) };
      },
    };
  } finally {
    if (images !== reference) images.dispose();
  }
}

/** model.json + its weight shards from a local directory as an in-memory IOHandler */
function fileHandler(dir: string): tf.io.IOHandler & { format?: string } {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new Error(`no model.json in ${dir} (expected a TensorFlow.js graph or layers model)`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const manifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] = json.weightsManifest ?? [];
  const buffers = manifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of buffers) (weightData.set(b, at), (at += b.length));
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
  });
  return Object.assign(handler, { format: json.format as string | undefined });
}

export interface InceptionOptions {
  /** input size (default 299×299×3) */
  inputShape?: [number, number, number];
  /** the range the network expects (default [−1, 1], as the TF-Slim Inception-v3) */
  inputRange?: [number, number];
  /** graph models: output node of the class logits or probabilities, and of the pooled features */
  logitsNode?: string;
  featuresNode?: string;
  /** layers models: the layer whose output is the feature vector (default: the one before the last) */
  featuresLayer?: string;
  /** whether the logits output already holds probabilities (default false) */
  outputsProbabilities?: boolean;
  name?: string;
}

/**
 * Real Inception (or any ImageNet network) weights converted to TensorFlow.js format, loaded from
 * `dir` (model.json + shards). Grey images are repeated to three channels.
 */
export async function loadFeatureNetwork(dir: string, options: InceptionOptions = {}): Promise<FeatureNetwork> {
  const handler = fileHandler(dir);
  const inputShape = options.inputShape ?? [299, 299, 3];
  const [lo, hi] = options.inputRange ?? [-1, 1];
  const prepare = (images: tf.Tensor4D) => {
    const rgb = images.shape[3] === 1 && inputShape[2] === 3 ? tf.tile(images, [1, 1, 1, 3]) : images;
    return tf.add(tf.mul(fitTo(rgb as tf.Tensor4D, inputShape), (hi - lo) / 2), (hi + lo) / 2) as tf.Tensor4D;
  };
  let run: (x: tf.Tensor4D) => [tf.Tensor2D, tf.Tensor2D];
  let classes: number;
  if (handler.format === 'graph-model') {
    if (!options.logitsNode || !options.featuresNode)
      throw new Error('a graph model needs logitsNode and featuresNode (the output names of the logits and of the pooled features)');
    const graph = await loadGraphModel(handler);
    run = (x) =>
      (graph.execute(x, [options.logitsNode!, options.featuresNode!]) as tf.Tensor[]).map((t) => tf.reshape(t, [t.shape[0]!, -1])) as [
        tf.Tensor2D,
        tf.Tensor2D,
      ];
    classes = 0;
  } else {
    const layers: LayersModel = await loadLayersModel(handler);
    const featureLayer = options.featuresLayer ? layers.getLayer(options.featuresLayer) : layers.layers[layers.layers.length - 2];
    const both = layersModel({ inputs: layers.inputs, outputs: [layers.outputs[0], featureLayer.output as never] });
    run = (x) => (both.predict(x) as tf.Tensor[]).map((t) => tf.reshape(t, [t.shape[0]!, -1])) as [tf.Tensor2D, tf.Tensor2D];
    classes = (layers.outputs[0].shape[1] as number) ?? 0;
  }
  return {
    name: options.name ?? `network from ${dir}`,
    get classes() {
      return classes;
    },
    inputShape,
    outputs(images) {
      const probsParts: Float32Array[] = [];
      const featureParts: Float32Array[] = [];
      let dim = 0;
      for (let start = 0; start < images.shape[0]; start += 50) {
        const size = Math.min(50, images.shape[0] - start);
        const [p, f] = tf.tidy(() => {
          const [logits, features] = run(prepare(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1])));
          return [options.outputsProbabilities ? logits : tf.softmax(logits), features];
        });
        classes = p.shape[1]!;
        dim = f.shape[1]!;
        probsParts.push(p.dataSync() as Float32Array);
        featureParts.push(f.dataSync() as Float32Array);
        tf.dispose([p, f]);
      }
      const join = (parts: Float32Array[]) => {
        const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) (all.set(p, o), (o += p.length));
        return all;
      };
      return { probs: join(probsParts), features: join(featureParts), dim };
    },
  };
}

/** one generator's scores at a step */
export interface GeneratorScore extends SampleScores {
  /** 1-based generator id */
  generator: number;
}

/**
 * Scores every generator on `samples` images from one seeded z (the same z for every generator and
 * every call, so curves compare like with like): IS against the scorer's classifier, FID against
 * its reference images. Used by GAN studies and the notebooks.
 */
export function scoreGenerators(generators: DcganGenerator[], scorer: SampleScorer, options: { samples: number; seed: number }): GeneratorScore[] {
  return generators.map((g, i) => {
    const images = generateImages(g, options.samples, options.seed).images;
    try {
      return { generator: i + 1, ...scorer.score(images) };
    } finally {
      images.dispose();
    }
  });
}
