// Sentence embeddings from a MiniLM-style ONNX model (mean pooling over the attention mask, L2
// normalised) run by onnxruntime-node on one intra-op thread. onnxruntime-node is not a project
// dependency: it is loaded from the directory given to the measurement tool (see
// docs/extraction-model.md), so nothing here ships with the services.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WordPieceTokenizer, type Encoding } from './wordpiece';

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

interface OrtModule {
  InferenceSession: {
    create(file: string, options: { intraOpNumThreads: number; interOpNumThreads: number; executionProviders: string[] }): Promise<OrtSession>;
  };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => OrtTensor;
}

export interface LoadedRuntime {
  ort: OrtModule;
  version: string;
  packageDir: string;
}

/** onnxruntime-node as installed under `dir` (a folder whose node_modules holds it). */
export function loadRuntime(dir: string): LoadedRuntime {
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  const packageJson = req.resolve('onnxruntime-node/package.json');
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  return { ort: req('onnxruntime-node') as OrtModule, version, packageDir: path.dirname(packageJson) };
}

export class SentenceEmbedder {
  private constructor(
    private readonly runtime: OrtModule,
    private readonly session: OrtSession,
    readonly tokenizer: WordPieceTokenizer,
    readonly dimensions: number,
  ) {}

  static async load(runtime: OrtModule, modelFile: string, tokenizerFile: string): Promise<SentenceEmbedder> {
    const tokenizer = new WordPieceTokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')));
    // One thread: the throughput bound is per core.
    const session = await runtime.InferenceSession.create(modelFile, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
    const probe = new SentenceEmbedder(runtime, session, tokenizer, 0);
    const dims = (await probe.hidden(tokenizer.encode('probe'))).dims;
    return new SentenceEmbedder(runtime, session, tokenizer, dims[2]);
  }

  private async hidden(encoding: Encoding): Promise<OrtTensor> {
    const n = encoding.ids.length;
    const tensor = (values: number[]) => new this.runtime.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, n]);
    const feeds: Record<string, OrtTensor> = {
      input_ids: tensor(encoding.ids),
      attention_mask: tensor(encoding.ids.map(() => 1)),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = tensor(encoding.ids.map(() => 0));
    const out = await this.session.run(feeds);
    const hidden = out.last_hidden_state ?? Object.values(out)[0];
    if (!hidden || hidden.dims.length !== 3) throw new Error('model output is not [batch, tokens, hidden]');
    return hidden;
  }

  /** Mean of the token states, L2 normalised; `unknown` counts unknown-token pieces. */
  async embed(text: string): Promise<{ vector: Float32Array; tokens: number; unknown: number }> {
    const encoding = this.tokenizer.encode(text);
    const hidden = await this.hidden(encoding);
    const [, tokens, dim] = hidden.dims;
    const data = hidden.data as Float32Array;
    const vector = new Float32Array(dim);
    for (let t = 0; t < tokens; t++) for (let d = 0; d < dim; d++) vector[d] += data[t * dim + d];
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += vector[d] * vector[d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) vector[d] /= norm;
    return { vector, tokens, unknown: encoding.unknown };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
