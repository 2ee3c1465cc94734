/**
 * The codec against the published examples of the Open Inference Protocol and of Triton's binary tensor data
 * extension, byte for byte where the spec fixes the bytes:
 * - https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 *   ("Inference Request Examples")
 * - https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md ("Examples")
 */
import {
  decodeInferRequest,
  decodeInferResponse,
  encodeMessage,
  INFERENCE_HEADER,
  ProtocolError,
  type InferRequest,
} from './kserve-v2.js';
import { decodeTensorBytes, encodeTensorBytes, fromHalf, toHalf } from './tensor-bytes.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
};
const asBytes = (body: string | Uint8Array) => (typeof body === 'string' ? utf8(body) : body);

describe('OIP JSON examples (inference_rest.md)', () => {
  // The spec's request, verbatim apart from whitespace.
  const specRequest = {
    id: '42',
    inputs: [
      { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
      { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
    ],
    outputs: [{ name: 'output0' }],
  };

  it('reads the example request, and rejects its BOOL input: shape [3] with one element breaks the spec’s own rule', () => {
    // "If the input is batched, the shape and data must represent the full shape and contents of the entire batch."
    expect(() => decodeInferRequest(utf8(JSON.stringify(specRequest)), null)).toThrow(
      /input input1: shape \[3\] needs 3 elements, got 1/,
    );
    const fixed = structuredClone(specRequest);
    fixed.inputs[1]!.data = [true, false, true];
    const req = decodeInferRequest(utf8(JSON.stringify(fixed)), null);
    expect(req.id).toBe('42');
    expect(req.inputs[0]).toEqual({ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] });
    expect(req.inputs[1]!.data).toEqual([true, false, true]);
    expect(req.outputs).toEqual([{ name: 'output0' }]);
  });

  it('reads the example response (whose text lacks a comma after "id" and a model_name; both forgiven here)', () => {
    const text = `{ "id" : "42", "outputs" : [ { "name" : "output0", "shape" : [ 3, 2 ], "datatype" : "FP32",
      "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ] } ] }`;
    const res = decodeInferResponse(utf8(text), null);
    expect(res.id).toBe('42');
    expect(res.outputs[0]).toEqual({
      name: 'output0',
      shape: [3, 2],
      datatype: 'FP32',
      data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1],
    });
  });

  it('accepts nested data (the spec allows it) and reads it row-major', () => {
    const req = decodeInferRequest(
      utf8(
        JSON.stringify({
          inputs: [
            {
              name: 'x',
              shape: [2, 2],
              datatype: 'INT64',
              data: [
                [1, 2],
                [3, 4],
              ],
            },
          ],
        }),
      ),
      null,
    );
    expect(req.inputs[0]!.data).toEqual([1, 2, 3, 4]);
  });

  it('names the field at fault', () => {
    expect(() =>
      decodeInferRequest(utf8('{"inputs":[{"name":"x","shape":[1],"datatype":"FP8","data":[1]}]}'), null),
    ).toThrow(ProtocolError);
    expect(() =>
      decodeInferRequest(utf8('{"inputs":[{"name":"x","shape":[2],"datatype":"INT64","data":["a","b"]}]}'), null),
    ).toThrow(/input x: data must be finite numbers for INT64/);
    expect(() => decodeInferRequest(utf8('not json'), null)).toThrow(/binary tensors need the inference-header/);
  });
});

describe('binary tensor data extension examples (extension_binary_data.md)', () => {
  it('reads the example request: UINT32 [2,2] in 16 bytes and BOOL [3] in 3, after the JSON header', () => {
    const header = utf8(
      JSON.stringify({
        model_name: 'mymodel',
        inputs: [
          { name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: 16 } },
          { name: 'input1', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
        ],
        outputs: [{ name: 'output0', parameters: { binary_data: true } }],
      }),
    );
    const input0 = new Uint8Array(new Uint32Array([1, 2, 3, 4]).buffer); // little-endian on every supported host
    const input1 = new Uint8Array([1, 0, 1]);
    const body = concat(header, input0, input1);
    expect(body.byteLength).toBe(header.byteLength + 19); // "the total size of the binary data is 19 bytes"
    const req = decodeInferRequest(body, String(header.byteLength));
    expect(req.inputs.map((t) => t.data)).toEqual([
      [1, 2, 3, 4],
      [true, false, true],
    ]);
    expect(req.outputs?.[0]?.parameters).toEqual({ binary_data: true });
  });

  it('writes the example response: FP32 [3,2] as 24 bytes with binary_data_size and the header length', () => {
    const { body, headers } = encodeMessage(
      {
        model_name: 'mymodel',
        outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', data: [1, 1.5, 2, 2.5, 3, 3.5] }],
      },
      true,
    );
    const bytes = asBytes(body);
    const jsonLength = Number(headers[INFERENCE_HEADER]);
    expect(headers['content-type']).toBe('application/octet-stream');
    expect(bytes.byteLength).toBe(jsonLength + 24); // Content-Length: <yy+24>
    const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonLength)));
    expect(head.outputs[0]).toEqual({
      name: 'output0',
      shape: [3, 2],
      datatype: 'FP32',
      parameters: { binary_data_size: 24 },
    });
    expect(Array.from(new Float32Array(bytes.slice(jsonLength).buffer))).toEqual([1, 1.5, 2, 2.5, 3, 3.5]);
    expect(decodeInferResponse(bytes, headers[INFERENCE_HEADER]).outputs[0]!.data).toEqual([1, 1.5, 2, 2.5, 3, 3.5]);
  });

  it('round-trips a mixed request: binary INT64 ids next to a JSON tensor', () => {
    const req: InferRequest = {
      id: 'r1',
      inputs: [
        { name: 'input_ids', shape: [2, 3], datatype: 'INT64', data: [1, 2, 3, 4, 5, 0] },
        { name: 'note', shape: [1], datatype: 'BYTES', data: ['héllo'] },
      ],
      outputs: [{ name: 'logits', parameters: { binary_data: true } }],
    };
    const { body, headers } = encodeMessage(req, new Set(['input_ids']));
    const back = decodeInferRequest(asBytes(body), headers[INFERENCE_HEADER]);
    expect(back.inputs.map((t) => t.data)).toEqual([[1, 2, 3, 4, 5, 0], ['héllo']]);
    expect(back.inputs[0]!.parameters).toEqual({ binary_data_size: 48 });
  });

  it('writes INT64 exactly for every safe integer, negatives in two’s complement', () => {
    const values = [0, 1, -1, 128255, 2 ** 32, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const bytes = encodeTensorBytes('INT64', values);
    expect(Array.from(new BigInt64Array(bytes.slice().buffer), Number)).toEqual(values);
    expect(decodeTensorBytes('INT64', bytes, 'x')).toEqual(values);
    // At an odd offset inside a larger body, as tensors sit after a JSON header.
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    expect(decodeTensorBytes('INT64', shifted.subarray(3), 'x')).toEqual(values);
    expect(decodeTensorBytes('FP32', encodeTensorBytes('FP32', [1.5, -2]), 'f')).toEqual([1.5, -2]);
  });

  it('lays BYTES out as a 4-byte little-endian length, then the bytes', () => {
    expect(Array.from(encodeTensorBytes('BYTES', ['ab', '']))).toEqual([2, 0, 0, 0, 97, 98, 0, 0, 0, 0]);
    expect(decodeTensorBytes('BYTES', new Uint8Array([2, 0, 0, 0, 97, 98, 0, 0, 0, 0]), 'x')).toEqual(['ab', '']);
  });

  it('refuses bytes that do not add up', () => {
    const head = utf8(
      JSON.stringify({ inputs: [{ name: 'x', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 16 } }] }),
    );
    expect(() => decodeInferRequest(concat(head, new Uint8Array(8)), String(head.byteLength))).toThrow(
      /exceeds the binary data/,
    );
    expect(() => decodeInferRequest(concat(head, new Uint8Array(20)), String(head.byteLength))).toThrow(
      /4 bytes of binary data follow/,
    );
    expect(() => decodeInferRequest(head, '99999')).toThrow(/within the body/);
    expect(() => decodeTensorBytes('FP32', new Uint8Array(5), 'y')).toThrow(/not a whole number of FP32/);
  });

  it('converts FP16 both ways (GPU servers answer in half precision)', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(fromHalf(toHalf(1.0009765625 + 1e-7))).toBeCloseTo(1.0009765625, 10);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
    expect(decodeTensorBytes('FP16', encodeTensorBytes('FP16', [0.25, -3]), 'h')).toEqual([0.25, -3]);
  });
});
