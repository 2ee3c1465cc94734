/**
 * @module onnx-build/layers
 * Neural-network building blocks on top of {@link GraphBuilder}: dense layers, layer norm, GELU, attention masks.
 * Each helper emits standard opset-17 ops only, so ONNX Runtime's graph optimiser can fuse them
 * (MatMul+Add → Gemm/FusedMatMul, the erf pattern → Gelu, LayerNormalization kernels).
 */
import type { GraphBuilder } from './graph.js';
import { randomNormal } from './random.js';
import type { Rng } from './random.js';

/** A dense layer's parameters; `weight` is row-major `[inDim, outDim]` (ONNX MatMul layout). */
export interface Dense {
  readonly weight: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
  readonly bias?: Float32Array;
}

/** Random dense parameters (normal weights, zero bias), as BERT initialises them. */
export function randomDense(rng: Rng, inDim: number, outDim: number, std = 0.02): Dense {
  return { weight: randomNormal(rng, inDim * outDim, std), inDim, outDim, bias: new Float32Array(outDim) };
}

/** `x @ W (+ b)` over the last axis. */
export function linear(g: GraphBuilder, x: string, p: Dense): string {
  const y = g.op('MatMul', [x, g.initializer(p.weight, [p.inDim, p.outDim])]);
  return p.bias ? g.op('Add', [y, g.initializer(p.bias, [p.outDim])]) : y;
}

/** Layer normalisation over the last axis (ONNX `LayerNormalization`, opset 17). */
export function layerNorm(g: GraphBuilder, x: string, dim: number, epsilon = 1e-12): string {
  const gamma = g.initializer(new Float32Array(dim).fill(1), [dim]);
  const beta = g.initializer(new Float32Array(dim), [dim]);
  return g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: { f: epsilon } });
}

/** Exact (erf) GELU, the activation BERT uses: `0.5·x·(1 + erf(x/√2))`. */
export function gelu(g: GraphBuilder, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.constF(Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, g.constF(1)])]), g.constF(0.5)]);
}

/** `Cast(x, to)` with ONNX data-type code `to`. */
export function cast(g: GraphBuilder, x: string, to: number): string {
  return g.op('Cast', [x], { to });
}

/** Sum over `axes` keeping dims (ReduceSum takes axes as an input since opset 13). */
export function reduceSum(g: GraphBuilder, x: string, axes: number[], keepdims = 1): string {
  return g.op('ReduceSum', [x, g.constI64(axes)], { keepdims });
}

/** Max over `axes` (attribute form, valid through opset 17). */
export function reduceMax(g: GraphBuilder, x: string, axes: number[], keepdims = 1): string {
  return g.op('ReduceMax', [x], { axes, keepdims });
}
