/**
 * @module onnx-build/graph
 * A small builder for ONNX graphs: declare inputs, initializers and nodes by name, then {@link GraphBuilder.build}
 * serialises a `ModelProto`. Names are generated from a counter, so the same build steps give the same bytes.
 */
import { AttributeType, DataType, encodeModel } from './proto.js';
import type { AttributeMessage, DataTypeCode, NodeMessage, TensorMessage, ValueInfoMessage } from './proto.js';

/** Typed data accepted for an initializer. */
export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/**
 * An attribute value: an integer number becomes INT, a non-integer FLOAT; use `{ f }` to force a FLOAT
 * (`alpha: { f: 1 }`), number arrays become INTS, `{ floats }` FLOATS, strings STRING, `{ tensor }` TENSOR.
 */
export type AttrValue = number | number[] | string | { f: number } | { floats: number[] } | { tensor: TensorMessage };

/** Options of {@link GraphBuilder.build}. */
export interface BuildOptions {
  /** Default-domain opset. @default 17 */
  readonly opset?: number;
  /** `producer_name` of the model. @default 'prefsel' */
  readonly producer?: string;
  /** Free text stored as the model's doc string. */
  readonly docString?: string;
  /** `metadata_props` key/value pairs. */
  readonly metadata?: Record<string, string>;
}

function dataTypeOf(data: TensorData): DataTypeCode {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  return DataType.UINT8;
}

/** Makes a `TensorProto` from typed data; raw bytes are little-endian, as ONNX requires (all supported hosts are LE). */
export function tensor(name: string, data: TensorData, dims: readonly number[]): TensorMessage {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new TypeError(
      `Expected ${count} values for tensor \`${name}\` of shape [${dims.join(',')}], got ${data.length}`,
    );
  }
  return {
    name,
    dims: [...dims],
    dataType: dataTypeOf(data),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function attribute(name: string, value: AttrValue): AttributeMessage {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

/** Builds one ONNX graph. Every method returns the name of the value it produced. */
export class GraphBuilder {
  readonly #nodes: NodeMessage[] = [];
  readonly #initializers: TensorMessage[] = [];
  readonly #inputs: ValueInfoMessage[] = [];
  readonly #outputs: ValueInfoMessage[] = [];
  readonly #names = new Set<string>();
  #counter = 0;

  constructor(readonly name: string) {}

  #fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.#counter++}`;
    while (this.#names.has(n));
    this.#names.add(n);
    return n;
  }

  #claim(name: string): string {
    if (this.#names.has(name)) throw new TypeError(`Duplicate value name \`${name}\``);
    this.#names.add(name);
    return name;
  }

  /** Declares a graph input; string dims are symbolic (`batch`, `sequence`). */
  input(name: string, elemType: DataTypeCode, shape: Array<number | string>): string {
    this.#inputs.push({ name: this.#claim(name), elemType, shape });
    return name;
  }

  /** Declares `value` as a graph output under `name` (inserting an Identity when the names differ). */
  output(value: string, name: string, elemType: DataTypeCode, shape: Array<number | string>): string {
    const out = value === name ? name : this.op('Identity', [value], {}, name);
    this.#outputs.push({ name: out, elemType, shape });
    return out;
  }

  /** Adds a weight or constant; `name` defaults to a generated one. */
  initializer(data: TensorData, dims: readonly number[], name?: string): string {
    const n = name === undefined ? this.#fresh('w') : this.#claim(name);
    this.#initializers.push(tensor(n, data, dims));
    return n;
  }

  /** A float constant; a scalar when `dims` is omitted and one value is given. */
  constF(values: number | readonly number[], dims?: readonly number[]): string {
    const arr = Float32Array.from(typeof values === 'number' ? [values] : values);
    return this.initializer(arr, dims ?? (typeof values === 'number' ? [] : [arr.length]));
  }

  /** An int64 constant (shapes, axes, indices); a scalar when given one number. */
  constI64(values: number | readonly number[], dims?: readonly number[]): string {
    const arr = BigInt64Array.from((typeof values === 'number' ? [values] : values).map((v) => BigInt(v)));
    return this.initializer(arr, dims ?? (typeof values === 'number' ? [] : [arr.length]));
  }

  /** Adds a node with one output and returns the output's name (generated unless `outputName` is given). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    const out = outputName === undefined ? this.#fresh(opType.toLowerCase()) : this.#claim(outputName);
    this.#push(opType, inputs, [out], attrs);
    return out;
  }

  /** Adds a node with `count` outputs (Split, TopK). */
  opN(opType: string, inputs: readonly string[], count: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = Array.from({ length: count }, () => this.#fresh(opType.toLowerCase()));
    this.#push(opType, inputs, outs, attrs);
    return outs;
  }

  #push(opType: string, inputs: readonly string[], outputs: string[], attrs: Record<string, AttrValue>): void {
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.#nodes.push({
      name: `${opType}_${this.#nodes.length}`,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: attribute_,
    });
  }

  /** Serialises the graph as an ONNX model. */
  build(options: BuildOptions = {}): Uint8Array {
    if (this.#outputs.length === 0) throw new TypeError(`Graph \`${this.name}\` has no outputs`);
    return encodeModel({
      graphName: this.name,
      nodes: this.#nodes,
      initializers: this.#initializers,
      inputs: this.#inputs,
      outputs: this.#outputs,
      opset: options.opset ?? 17,
      producer: options.producer ?? 'prefsel',
      ...(options.docString === undefined ? {} : { docString: options.docString }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    });
  }
}
