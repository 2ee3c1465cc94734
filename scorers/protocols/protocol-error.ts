/**
 * @module protocols/protocol-error
 * Malformed protocol data. A server answers it with 400; a client treats it as a bad gateway (502).
 */

/** Malformed protocol data; the message names the field or tensor at fault. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
