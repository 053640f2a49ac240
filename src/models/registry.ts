/** Model names usable in graph specs → constructors. */
import { Classifier } from './model';
import { CifarResNet } from './resnet';
import { SmallCnn, SoftmaxRegression } from './small_cnn';
import { WideResNet } from './wide_resnet';
import { ResNet18 } from './resnet18';
import { AbnResNet } from './abn';

export interface ModelRequest {
  numClasses: number;
  inputShape: [number, number, number];
  seed: number;
}

type Factory = (r: ModelRequest) => Classifier;

export const modelFactories: Record<string, Factory> = {
  resnet20: (r) => new CifarResNet({ depth: 20, ...r }),
  resnet32: (r) => new CifarResNet({ depth: 32, ...r }),
  resnet56: (r) => new CifarResNet({ depth: 56, ...r }),
  resnet110: (r) => new CifarResNet({ depth: 110, ...r }),
  resnet18: (r) => new ResNet18(r),
  'abn-resnet20': (r) => new AbnResNet({ depth: 20, ...r }),
  'abn-resnet32': (r) => new AbnResNet({ depth: 32, ...r }),
  'abn-resnet110': (r) => new AbnResNet({ depth: 110, ...r }),
  'wrn28-2': (r) => new WideResNet({ depth: 28, widen: 2, ...r }),
  'wrn16-2': (r) => new WideResNet({ depth: 16, widen: 2, ...r }),
  cnn4: (r) => new SmallCnn({ width: 4, name: 'cnn4', ...r }),
  cnn8: (r) => new SmallCnn({ width: 8, name: 'cnn8', ...r }),
  cnn16: (r) => new SmallCnn({ width: 16, name: 'cnn16', ...r }),
  cnn32: (r) => new SmallCnn({ width: 32, name: 'cnn32', ...r }),
  softmax: (r) => new SoftmaxRegression({ name: 'softmax', ...r }),
};

/** a model id of the registry (own properties only: "constructor" or "toString" are not models) */
export function isModelName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(modelFactories, name);
}

export function createModel(name: string, request: ModelRequest): Classifier {
  const factory = isModelName(name) ? modelFactories[name] : undefined;
  if (!factory)
    throw new Error(
      `unknown model "${name.length > 60 ? `${name.slice(0, 60)}… (${name.length} characters)` : name}"; known: ${Object.keys(modelFactories).join(', ')}`,
    );
  return factory(request);
}
