import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './graph.js';
import { gelu, layerNorm, linear } from './layers.js';
import { DataType, decodeModel } from './proto.js';

function tinyModel(): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', DataType.FLOAT, ['batch', 2]);
  const y = linear(g, x, {
    weight: Float32Array.from([1, 2, 3, 4]),
    inDim: 2,
    outDim: 2,
    bias: Float32Array.from([0.5, -0.5]),
  });
  g.output(y, 'y', DataType.FLOAT, ['batch', 2]);
  g.output(gelu(g, layerNorm(g, y, 2)), 'z', DataType.FLOAT, ['batch', 2]);
  return g.build({ metadata: { purpose: 'test' } });
}

describe('GraphBuilder', () => {
  it('Should write a model ONNX Runtime loads and runs with the expected numbers', async () => {
    const session = await ort.InferenceSession.create(tinyModel());
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y', 'z']);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 0, 2]), [2, 2]) });
    // [1,1]·[[1,2],[3,4]] + [.5,-.5] = [4.5, 5.5]; [0,2]·W + b = [6.5, 7.5]
    expect(Array.from(out.y!.data as Float32Array)).toEqual([4.5, 5.5, 6.5, 7.5]);
    const z = Array.from(out.z!.data as Float32Array);
    // LayerNorm of two values is ±1; GELU(1) ≈ 0.8413, GELU(-1) ≈ -0.1587.
    expect(z[0]).toBeCloseTo(-0.1587, 3);
    expect(z[1]).toBeCloseTo(0.8413, 3);
    await session.release();
  });

  it('Should be deterministic and round-trip through the decoder', () => {
    const a = tinyModel();
    expect(Buffer.from(a).equals(Buffer.from(tinyModel()))).toBe(true);
    const decoded = decodeModel(a) as { irVersion: number; opsetImport: Array<{ version: number }> };
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport[0]?.version).toBe(17);
  });

  it('Should reject duplicate names and wrongly sized tensors', () => {
    const g = new GraphBuilder('bad');
    g.input('x', DataType.FLOAT, [1]);
    expect(() => g.input('x', DataType.FLOAT, [1])).toThrow(/Duplicate/);
    expect(() => g.initializer(new Float32Array(3), [2, 2])).toThrow(/Expected 4 values/);
    expect(() => g.build()).toThrow(/no outputs/);
  });
});
