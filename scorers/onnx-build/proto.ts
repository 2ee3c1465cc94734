/**
 * @module onnx-build/proto
 * The subset of `onnx.proto` (IR version 8) that prefsel writes, as a protobufjs reflection schema, and an encoder
 * for `ModelProto`. There is no Python ONNX toolchain here, so models are built from TypeScript; protobufjs writes
 * fields in declaration order, which makes the bytes deterministic for a given model object.
 */
import protobuf from 'protobufjs';

/** ONNX `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
/** One of {@link DataType}'s values. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** ONNX `AttributeProto.AttributeType` values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** A `TensorProto` as a plain object (raw little-endian bytes; the compact form ONNX Runtime reads fastest). */
export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: DataTypeCode;
  rawData: Uint8Array;
}

/** An `AttributeProto` as a plain object; set exactly one value field matching `type`. */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

/** A `NodeProto` as a plain object. */
export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  domain?: string;
}

/** A tensor-typed `ValueInfoProto`; a string dim is symbolic (`batch`), a number is fixed. */
export interface ValueInfoMessage {
  name: string;
  elemType: DataTypeCode;
  shape: Array<number | string>;
}

/** A `ModelProto` with one graph. */
export interface ModelMessage {
  graphName: string;
  nodes: NodeMessage[];
  initializers: TensorMessage[];
  inputs: ValueInfoMessage[];
  outputs: ValueInfoMessage[];
  opset: number;
  producer: string;
  docString?: string;
  metadata?: Record<string, string>;
}

// Field numbers and types copied from onnx/onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const schema = {
  nested: {
    onnx: {
      nested: {
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TypeProto: { fields: { tensorType: { type: 'TensorTypeProto', id: 1 } } },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType('onnx.ModelProto');

/** IR version 8 is what opsets 17–18 ship with; ONNX Runtime 1.30 reads it. */
const IR_VERSION = 8;

function valueInfo(v: ValueInfoMessage) {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

/** Serialises a model to ONNX protobuf bytes. The same object always gives the same bytes. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const message = {
    irVersion: IR_VERSION,
    producerName: model.producer,
    producerVersion: '1',
    docString: model.docString ?? '',
    graph: {
      node: model.nodes,
      name: model.graphName,
      initializer: model.initializers,
      input: model.inputs.map(valueInfo),
      output: model.outputs.map(valueInfo),
    },
    opsetImport: [{ domain: '', version: model.opset }],
    metadataProps: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = ModelProto.verify(message);
  if (err) throw new TypeError(`Invalid ONNX model object: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}

/** Decodes bytes written by {@link encodeModel} back to a plain object (tests and debugging). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
