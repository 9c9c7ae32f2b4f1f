// One-vs-rest logistic regression over sentence embeddings: one binary head per sensitive class,
// positives up-weighted to balance the few examples per class against all the others.
import type { SensitiveClass } from '@signalpath/sensitive-topics';

export interface Example {
  vector: Float32Array;
  classes: readonly SensitiveClass[];
}

interface Head {
  weights: Float64Array;
  bias: number;
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { epochs: 400, learningRate: 1, l2: 1e-3 };

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function trainHead(examples: readonly Example[], cls: SensitiveClass, opts: TrainOptions): Head {
  const dim = examples[0].vector.length;
  const labels = examples.map((e) => (e.classes.includes(cls) ? 1 : 0));
  const positives = labels.reduce<number>((n, y) => n + y, 0);
  const posWeight = positives === 0 ? 1 : (examples.length - positives) / positives;
  const weights = new Float64Array(dim);
  let bias = 0;
  const grad = new Float64Array(dim);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    grad.fill(0);
    let gradBias = 0;
    let total = 0;
    examples.forEach((e, i) => {
      let z = bias;
      for (let d = 0; d < dim; d++) z += weights[d] * e.vector[d];
      const w = labels[i] === 1 ? posWeight : 1;
      const err = (sigmoid(z) - labels[i]) * w;
      for (let d = 0; d < dim; d++) grad[d] += err * e.vector[d];
      gradBias += err;
      total += w;
    });
    for (let d = 0; d < dim; d++) weights[d] -= opts.learningRate * (grad[d] / total + opts.l2 * weights[d]);
    bias -= opts.learningRate * (gradBias / total);
  }
  return { weights, bias };
}

export class SensitiveClassifier {
  private constructor(private readonly heads: Map<SensitiveClass, Head>) {}

  static train(examples: readonly Example[], classes: readonly SensitiveClass[], opts: TrainOptions = DEFAULT_TRAIN_OPTIONS): SensitiveClassifier {
    if (examples.length === 0) throw new Error('no training examples');
    return new SensitiveClassifier(new Map(classes.map((c) => [c, trainHead(examples, c, opts)])));
  }

  /** Probability per class. */
  scores(vector: Float32Array): Map<SensitiveClass, number> {
    const out = new Map<SensitiveClass, number>();
    for (const [cls, head] of this.heads) {
      let z = head.bias;
      for (let d = 0; d < vector.length; d++) z += head.weights[d] * vector[d];
      out.set(cls, sigmoid(z));
    }
    return out;
  }

  /** Classes at or above the threshold. */
  classify(vector: Float32Array, threshold: number): SensitiveClass[] {
    return [...this.scores(vector)].filter(([, p]) => p >= threshold).map(([c]) => c);
  }
}
