/**
 * Load-time errors: each names the file at fault and what was expected.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '../../core/errors.js';
import { writeBertModelDir } from '../onnx-build/bert.js';
import { GraphBuilder } from '../onnx-build/graph.js';
import { cast, reduceSum } from '../onnx-build/layers.js';
import { DataType } from '../onnx-build/proto.js';
import { wordpieceVocab } from '../onnx-build/wordpiece.js';
import { createOnnxScorer } from './scorer.js';

const quiet = { info() {}, warn() {} };
let root: string;
let good: string;
let n = 0;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-load-'));
  good = await writeBertModelDir(
    join(root, 'good'),
    { layers: 1, hidden: 8, heads: 2, labels: ['a', 'b'], maxPosition: 32 },
    wordpieceVocab(['hello'], 100),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the good directory, changed by `edit`. */
function variant(edit: (dir: string) => void): string {
  const dir = join(root, `v${n++}`);
  cpSync(good, dir, { recursive: true });
  edit(dir);
  return dir;
}

/**
 * A graph with the given inputs (`name:float` for a float32 one) whose outputs (each named in `outputs`) have
 * `width` columns.
 */
function graph(inputs: string[], outputs: string | string[] = 'logits', width = 2): Uint8Array {
  const g = new GraphBuilder('g');
  const names = inputs.map((i) => {
    const [name, type] = i.split(':');
    return g.input(name!, type === 'float' ? DataType.FLOAT : DataType.INT64, ['batch', 'sequence']);
  });
  const s = cast(g, reduceSum(g, names[0]!, [1]), DataType.FLOAT);
  for (const [k, output] of [outputs].flat().entries()) {
    const columns = g.constF(
      Array.from({ length: width }, (_, j) => j + k + 1),
      [1, width],
    );
    g.output(g.op('Mul', [s, columns]), output, DataType.FLOAT, ['batch', width]);
  }
  return g.build();
}

async function loadError(dir: string): Promise<ModelLoadError> {
  const err = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet }).then(
    async (s) => {
      await s.close();
      throw new Error('expected a ModelLoadError');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

const edits: Array<[string, (dir: string) => void, RegExp, RegExp]> = [
  ['a missing config.json', (d) => rmSync(join(d, 'config.json')), /config\.json$/, /file not found/],
  [
    'malformed JSON in config.json',
    (d) => writeFileSync(join(d, 'config.json'), '{"id2label": '),
    /config\.json$/,
    /valid JSON/,
  ],
  [
    'a config without labels',
    (d) => writeFileSync(join(d, 'config.json'), '{"model_type":"bert"}'),
    /config\.json$/,
    /id2label.*num_labels/,
  ],
  [
    'a bad id2label entry',
    (d) => writeFileSync(join(d, 'config.json'), '{"id2label":{"zero":"a"}}'),
    /config\.json$/,
    /id2label/,
  ],
  ['a missing tokenizer.json', (d) => rmSync(join(d, 'tokenizer.json')), /tokenizer\.json$/, /file not found/],
  [
    'a missing ONNX graph',
    (d) => rmSync(join(d, 'onnx'), { recursive: true }),
    /model\.onnx$/,
    /onnx\/model\.onnx or model\.onnx/,
  ],
  [
    'an invalid sidecar',
    (d) => writeFileSync(join(d, 'prefsel.json'), '{"family":"vision"}'),
    /prefsel\.json$/,
    /family/,
  ],
  [
    'a sidecar attribute beyond the labels',
    (d) => writeFileSync(join(d, 'prefsel.json'), '{"attributes":[{"name":"x","index":7}]}'),
    /prefsel\.json$/,
    /index.*below 2/,
  ],
  [
    'a graph input the scorer cannot feed',
    (d) => writeFileSync(join(d, 'onnx/model.onnx'), graph(['input_ids', 'past_key_values.0.key'])),
    /model\.onnx$/,
    /past_key_values\.0\.key.*not supported/,
  ],
  [
    'a graph without input_ids',
    (d) => writeFileSync(join(d, 'onnx/model.onnx'), graph(['attention_mask'])),
    /model\.onnx$/,
    /input_ids/,
  ],
  [
    'a graph without the named output',
    (d) => writeFileSync(join(d, 'prefsel.json'), '{"output":"rewards"}'),
    /model\.onnx$/,
    /output named `rewards`.*found `logits` float32 \[batch_size, 2\]/,
  ],
  [
    'a graph with fewer columns than labels',
    (d) => writeFileSync(join(d, 'onnx/model.onnx'), graph(['input_ids'], 'logits', 1)),
    /model\.onnx$/,
    /one column per label of config\.json \(2: a, b\).*found `logits` float32 \[batch, 1\].*prefsel\.json/,
  ],
  [
    'a sidecar output with fewer columns than the attributes need',
    (d) => {
      writeFileSync(join(d, 'onnx/model.onnx'), graph(['input_ids'], 'rewards', 1));
      writeFileSync(join(d, 'prefsel.json'), '{"output":"rewards"}');
    },
    /model\.onnx$/,
    /`rewards` has 1 columns; the attributes need at least 2/,
  ],
  [
    'two outputs that could both be the scores, neither named logits',
    (d) => writeFileSync(join(d, 'onnx/model.onnx'), graph(['input_ids'], ['rewards', 'scores'])),
    /model\.onnx$/,
    /several graph outputs could hold the 2 scores \(`rewards` float32 \[batch, 2\], `scores` float32 \[batch, 2\]\); name the one to read in prefsel\.json: \{"output": "<name>"\}/,
  ],
  [
    'a float attention_mask',
    (d) => writeFileSync(join(d, 'onnx/model.onnx'), graph(['input_ids', 'attention_mask:float'])),
    /model\.onnx$/,
    /graph input `attention_mask` takes float32; expected int64 \(or int32\)/,
  ],
  [
    'a decoder without a chat template',
    (d) =>
      writeFileSync(
        join(d, 'config.json'),
        JSON.stringify({ ...JSON.parse(readFileSync(join(good, 'config.json'), 'utf8')), model_type: 'llama' }),
      ),
    /chat_template\.jinja$/,
    /chat template .*chat_template\.jinja .*`chat_template` in tokenizer_config\.json.*prefsel\.json/,
  ],
];

describe('model directory errors', () => {
  it('Should name a missing directory', async () => {
    const err = await loadError(join(root, 'nope'));
    expect(err.message).toMatch(/model directory not found/);
  });

  it.each(edits)('Should explain %s', async (_, edit, file, message) => {
    const err = await loadError(variant(edit));
    expect(err.file).toMatch(file);
    expect(err.message).toMatch(message);
  });

  it('Should find model.onnx at the top level too', async () => {
    const dir = variant((d) => {
      renameSync(join(d, 'onnx', 'model.onnx'), join(d, 'model.onnx'));
      rmSync(join(d, 'onnx'), { recursive: true });
    });
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
    await scorer.close();
  });
});
