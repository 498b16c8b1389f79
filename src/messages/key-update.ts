import { illegalParameter } from '../errors.js';
import { checkLength, readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 8446 §4.6.3: `KeyUpdateRequest request_update;` (update_not_requested(0), update_requested(1)). */
export interface KeyUpdate {
  readonly requestUpdate: number;
}

export function decodeKeyUpdate(input: DecodeInput): KeyUpdate {
  const r = readerOf(input);
  const requestUpdate = r.u8('KeyUpdate.request_update');
  r.end('KeyUpdate');
  // RFC 8446 §4.6.3: any other value MUST be answered with illegal_parameter.
  if (requestUpdate > 1) {
    throw illegalParameter(`KeyUpdate.request_update: invalid value ${requestUpdate} (RFC 8446 §4.6.3)`, 'KeyUpdate.request_update');
  }
  return { requestUpdate };
}

export function encodeKeyUpdate(k: KeyUpdate): Uint8Array {
  checkLength(k.requestUpdate, 0, 0xff, 'KeyUpdate.request_update');
  return Uint8Array.of(k.requestUpdate);
}
