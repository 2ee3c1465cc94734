/**
 * @module protocols/tensor-bytes
 * Tensor elements as raw bytes, as the binary tensor data extension lays them out: little-endian, row-major, no
 * padding; BOOL one byte (0 or 1); BYTES a 4-byte little-endian length followed by the bytes, per element.
 * https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import type { Datatype, TensorValues } from './kserve-v2.js';
import { ProtocolError } from './protocol-error.js';

/** Bytes per element of fixed-size types. */
const WIDTH: Record<Exclude<Datatype, 'BYTES'>, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;

/**
 * INT64 through two 32-bit words per element (no BigInt per element, which costs more than the rest of a request):
 * exact for every safe integer, two's complement for negatives.
 */
function encodeInt64(values: readonly number[]): Uint8Array {
  const words = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = Math.trunc(values[i]!);
    words[2 * i] = v >>> 0;
    words[2 * i + 1] = Math.floor(v / TWO_32) >>> 0;
  }
  return new Uint8Array(words.buffer);
}

function decodeInt64(bytes: Uint8Array): number[] {
  const copy = new Uint8Array(bytes); // aligned
  const lo = new Uint32Array(copy.buffer);
  const hi = new Int32Array(copy.buffer);
  const out = new Array<number>(copy.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = hi[2 * i + 1]! * TWO_32 + lo[2 * i]!;
  return out;
}

/** Encodes flattened values as the binary extension's bytes. */
export function encodeTensorBytes(datatype: Datatype, values: TensorValues): Uint8Array {
  if (LITTLE_ENDIAN && datatype === 'INT64') return encodeInt64(values as number[]);
  if (LITTLE_ENDIAN && datatype === 'FP32') return new Uint8Array(Float32Array.from(values as number[]).buffer);
  if (LITTLE_ENDIAN && datatype === 'INT32') return new Uint8Array(Int32Array.from(values as number[]).buffer);
  if (datatype === 'BYTES') {
    const parts = (values as string[]).map((s) => new TextEncoder().encode(s));
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.byteLength, true);
      out.set(p, at + 4);
      at += 4 + p.byteLength;
    }
    return out;
  }
  const width = WIDTH[datatype];
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((raw, i) => {
    const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : Number(raw);
    const at = i * width;
    switch (datatype) {
      case 'BOOL':
      case 'UINT8':
        return view.setUint8(at, v);
      case 'INT8':
        return view.setInt8(at, v);
      case 'UINT16':
        return view.setUint16(at, v, true);
      case 'INT16':
        return view.setInt16(at, v, true);
      case 'FP16':
        return view.setUint16(at, toHalf(v), true);
      case 'UINT32':
        return view.setUint32(at, v, true);
      case 'INT32':
        return view.setInt32(at, v, true);
      case 'FP32':
        return view.setFloat32(at, v, true);
      case 'UINT64':
        return view.setBigUint64(at, BigInt(Math.trunc(v)), true);
      case 'INT64':
        return view.setBigInt64(at, BigInt(Math.trunc(v)), true);
      case 'FP64':
        return view.setFloat64(at, v, true);
    }
  });
  return out;
}

/** Decodes the binary extension's bytes into flattened values. @throws when the byte count does not fit. */
export function decodeTensorBytes(datatype: Datatype, bytes: Uint8Array, where: string): TensorValues {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (datatype === 'BYTES') {
    const out: string[] = [];
    const decoder = new TextDecoder();
    for (let at = 0; at < bytes.byteLength;) {
      if (at + 4 > bytes.byteLength) throw new ProtocolError(`${where}: truncated BYTES element length`);
      const n = view.getUint32(at, true);
      if (at + 4 + n > bytes.byteLength) throw new ProtocolError(`${where}: BYTES element runs past the data`);
      out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + n)));
      at += 4 + n;
    }
    return out;
  }
  const width = WIDTH[datatype];
  if (bytes.byteLength % width !== 0) {
    throw new ProtocolError(`${where}: ${bytes.byteLength} bytes is not a whole number of ${datatype} elements`);
  }
  const count = bytes.byteLength / width;
  if (LITTLE_ENDIAN && datatype === 'INT64') return decodeInt64(bytes);
  if (LITTLE_ENDIAN && datatype === 'FP32') return Array.from(new Float32Array(new Uint8Array(bytes).buffer));
  if (LITTLE_ENDIAN && datatype === 'INT32') return Array.from(new Int32Array(new Uint8Array(bytes).buffer));
  if (datatype === 'BOOL') return Array.from({ length: count }, (_, i) => view.getUint8(i) !== 0);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    switch (datatype) {
      case 'UINT8':
        out[i] = view.getUint8(at);
        break;
      case 'INT8':
        out[i] = view.getInt8(at);
        break;
      case 'UINT16':
        out[i] = view.getUint16(at, true);
        break;
      case 'INT16':
        out[i] = view.getInt16(at, true);
        break;
      case 'FP16':
        out[i] = fromHalf(view.getUint16(at, true));
        break;
      case 'UINT32':
        out[i] = view.getUint32(at, true);
        break;
      case 'INT32':
        out[i] = view.getInt32(at, true);
        break;
      case 'FP32':
        out[i] = view.getFloat32(at, true);
        break;
      case 'UINT64':
        out[i] = Number(view.getBigUint64(at, true));
        break;
      case 'INT64':
        out[i] = Number(view.getBigInt64(at, true));
        break;
      case 'FP64':
        out[i] = view.getFloat64(at, true);
        break;
    }
  }
  return out;
}

/** IEEE 754 half → number. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** number → IEEE 754 half, rounding to nearest even. */
export function toHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}
