/**
 * `prefsel serve-scorer`'s v2 server, spoken to in the protocol's own shapes (plain fetch, no prefsel client):
 * - https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 * - https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import { Writable } from 'node:stream';
import { createOnnxScorer, ensureReferenceModel, type OnnxScorer } from '../../scorers/index.js';
import { INFERENCE_HEADER } from '../../scorers/protocols/kserve-v2.js';
import { createLogger } from '../logger.js';
import { listenScorerServer, type ListeningScorerServer } from './listen.js';

const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
let scorer: OnnxScorer;
let server: ListeningScorerServer;
beforeAll(async () => {
  scorer = await createOnnxScorer({
    modelDir: await ensureReferenceModel(),
    device: 'cpu',
    workers: 1,
    logger: { info() {}, warn() {} },
  });
  server = await listenScorerServer({ scorer, name: 'reference', logger, version: '0.0.0-test', bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  await server?.close();
  await scorer?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body: body as BodyInit,
    headers: { 'content-type': 'application/json', ...headers },
  });

const conversation = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const responses = ['Paris.', 'The capital of France is Paris, a city on the Seine.'];

describe('v2 server: health and metadata', () => {
  it('GET /v2 names the server and advertises binary tensors', async () => {
    expect(await get('/v2')).toEqual({
      status: 200,
      body: { name: 'prefsel', version: '0.0.0-test', extensions: ['binary_tensor_data'] },
    });
  });

  it('answers live and ready, and model readiness by name', async () => {
    expect((await get('/v2/health/live')).status).toBe(200);
    expect((await get('/v2/health/ready')).status).toBe(200);
    expect(await get('/v2/models/reference/ready')).toEqual({ status: 200, body: { name: 'reference', ready: true } });
    expect(await get('/v2/models/reference/versions/1/ready')).toEqual({
      status: 200,
      body: { name: 'reference', ready: true },
    });
  });

  it('describes the graph model and the text model as $metadata_model_response', async () => {
    const { body } = await get('/v2/models/reference');
    expect(body).toEqual({
      name: 'reference',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: scorer.graph.inputs.map((i) => ({ name: i.name, datatype: 'INT64', shape: [-1, -1] })),
      outputs: [{ name: scorer.graph.output, datatype: 'FP32', shape: [-1, 3] }],
    });
    expect((await get('/v2/models/reference_text')).body.inputs).toEqual([
      { name: 'text', datatype: 'BYTES', shape: [-1] },
    ]);
  });

  it('answers unknown models, versions and routes with 404 and {"error"}', async () => {
    for (const path of ['/v2/models/nope', '/v2/models/reference/versions/7', '/v2/nothing']) {
      const { status, body } = await get(path);
      expect(status).toBe(404);
      expect(typeof body.error).toBe('string');
    }
  });
});

describe('v2 server: inference', () => {
  const encoded = () => responses.map((response) => scorer.encode({ messages: conversation, response }));
  /** The ids right-padded to `width`, as a client sends them. */
  const padded = (width: number) => {
    const seqs = encoded();
    const ids = seqs.flatMap((s) => [...s.ids, ...Array(width - s.ids.length).fill(0)]);
    const mask = seqs.flatMap((s) => [...s.ids.map(() => 1), ...Array(width - s.ids.length).fill(0)]);
    return { ids, mask, rows: seqs.length };
  };
  const inputsFor = (width: number) => {
    const { ids, mask, rows } = padded(width);
    return [
      { name: 'input_ids', shape: [rows, width], datatype: 'INT64', data: ids },
      { name: 'attention_mask', shape: [rows, width], datatype: 'INT64', data: mask },
    ];
  };

  it('answers a JSON request like the spec example: id echoed, FP32 [n, labels], raw rows of the graph', async () => {
    const expected = await scorer.scoreTokens(encoded());
    const res = await post(
      '/v2/models/reference/infer',
      JSON.stringify({ id: '42', inputs: inputsFor(64), outputs: [{ name: scorer.graph.output }] }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      id: string;
      model_name: string;
      outputs: Array<{ shape: number[]; datatype: string; data: number[] }>;
    };
    expect(body.id).toBe('42');
    expect(body.model_name).toBe('reference');
    expect(body.outputs[0]!.datatype).toBe('FP32');
    expect(body.outputs[0]!.shape).toEqual([2, 3]);
    body.outputs[0]!.data.forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i]!, 5));
  });

  it('reads binary inputs and answers in binary when an output asks for binary_data', async () => {
    const width = 64;
    const { ids, mask, rows } = padded(width);
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          {
            name: 'input_ids',
            shape: [rows, width],
            datatype: 'INT64',
            parameters: { binary_data_size: rows * width * 8 },
          },
          {
            name: 'attention_mask',
            shape: [rows, width],
            datatype: 'INT64',
            parameters: { binary_data_size: rows * width * 8 },
          },
        ],
        outputs: [{ name: scorer.graph.output, parameters: { binary_data: true } }],
      }),
    );
    const tensors = [ids, mask].map((v) => new Uint8Array(BigInt64Array.from(v, (x) => BigInt(x)).buffer));
    const body = new Uint8Array(header.byteLength + tensors[0]!.byteLength * 2);
    body.set(header, 0);
    body.set(tensors[0]!, header.byteLength);
    body.set(tensors[1]!, header.byteLength + tensors[0]!.byteLength);
    const res = await post('/v2/models/reference/infer', body, {
      'content-type': 'application/octet-stream',
      [INFERENCE_HEADER]: String(header.byteLength),
    });
    expect(res.status).toBe(200);
    const jsonLength = Number(res.headers.get(INFERENCE_HEADER));
    const bytes = new Uint8Array(await res.arrayBuffer());
    const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonLength)));
    expect(head.outputs[0].parameters).toEqual({ binary_data_size: rows * 3 * 4 });
    const values = new Float32Array(bytes.slice(jsonLength).buffer);
    const expected = (await scorer.scoreTokens(encoded())).flat();
    Array.from(values).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('the text model tokenizes formatted texts as the graph model is fed', async () => {
    const texts = ['<|begin_of_text|>hello there', 'another text'];
    const res = await post(
      '/v2/models/reference_text/infer',
      JSON.stringify({ inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: texts }] }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: Array<{ data: number[] }> };
    const expected = (await scorer.scoreTokens(texts.map((t) => scorer.encodeText(t)))).flat();
    body.outputs[0]!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['missing input', () => ({ inputs: [inputsFor(64)[0]] }), /missing input attention_mask/],
    [
      'wrong datatype',
      () => ({ inputs: inputsFor(64).map((t) => ({ ...t, datatype: 'FP32' })) }),
      /must be INT64, got FP32/,
    ],
    ['disagreeing shapes', () => ({ inputs: [inputsFor(64)[0], inputsFor(32)[1]] }), /disagree on the sequence length/],
    ['an unknown output', () => ({ inputs: inputsFor(64), outputs: [{ name: 'nope' }] }), /unknown output nope/],
    [
      'a mask that is not right-padded',
      () => {
        const [ids, mask] = inputsFor(64);
        return { inputs: [ids, { ...mask, data: mask!.data.map((v, i) => (i === 0 ? 0 : v)) }] };
      },
      /not right-padded/,
    ],
  ];
  it.each(refusals)('refuses %s with 400 and the reason', async (_what, request, message) => {
    const res = await post('/v2/models/reference/infer', JSON.stringify(request()));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses a body over the limit with 413, and malformed JSON with 400', async () => {
    const big = await post('/v2/models/reference/infer', JSON.stringify({ inputs: [], pad: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    const bad = await post('/v2/models/reference/infer', '{"inputs": [');
    expect(bad.status).toBe(400);
  });

  it('readiness turns 503 while draining, so balancers stop sending; inference still answers', async () => {
    const other = await listenScorerServer({ scorer, name: 'reference', logger, version: 't' });
    try {
      other.drain();
      expect((await fetch(`${other.url}/v2/health/ready`)).status).toBe(503);
      expect((await fetch(`${other.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
