import { ErrorCode, TlsError, decodeError, internalError } from '../errors.js';
import { AlertDescription, AlertLevel, type AlertDescriptionName } from '../registry/alerts.js';
import { alertDescriptionName } from '../registry/names.js';

/** struct { AlertLevel level; AlertDescription description; } Alert (RFC 8446 §6, RFC 5246 §7.2). */
export interface Alert {
  readonly level: number;
  readonly description: number;
}

/** Encodes the 2-byte Alert. */
export function encodeAlert(level: number, description: number): Uint8Array {
  if (level !== AlertLevel.warning && level !== AlertLevel.fatal) throw internalError(`invalid alert level ${level}`);
  if (!Number.isInteger(description) || description < 0 || description > 0xff) {
    throw internalError(`invalid alert description ${description}`);
  }
  return Uint8Array.of(level, description);
}

/**
 * Decodes the content of an alert record. RFC 8446 §5.1: a record of type alert MUST contain
 * exactly one message, so anything but 2 bytes is decode_error; so is a level outside
 * warning(1)/fatal(2) (RFC 8446 §6.2: decode_error covers fields out of range). Unknown
 * descriptions decode (RFC 8446 §6: they are treated as error alerts, see `alertIsClosure`).
 */
export function decodeAlert(fragment: Uint8Array): Alert {
  if (fragment.length !== 2) throw decodeError(`Alert must be 2 bytes, got ${fragment.length}`, 'Alert');
  const level = fragment[0]!;
  const description = fragment[1]!;
  if (level !== AlertLevel.warning && level !== AlertLevel.fatal) {
    throw decodeError(`Alert.level ${level} is neither warning(1) nor fatal(2)`, 'Alert.level');
  }
  return { level, description };
}

/**
 * RFC 8446 §6.1: close_notify and user_canceled are closure alerts; every other alert is an
 * error alert (RFC 8446 §6.2: the connection MUST be closed whatever the level says).
 */
export function alertIsClosure(description: number): boolean {
  return description === AlertDescription.close_notify || description === AlertDescription.user_canceled;
}

/** The RFC name of a description, or null when unknown. */
export function alertName(description: number): AlertDescriptionName | null {
  for (const [name, value] of Object.entries(AlertDescription)) {
    if (value === description) return name as AlertDescriptionName;
  }
  return null;
}

/** The TlsError that reports an error alert received from the peer (code ERR_TLS_ALERT_RECEIVED). */
export function alertReceivedError(alert: Alert): TlsError {
  const name = alertName(alert.description);
  const level = alert.level === AlertLevel.fatal ? 'fatal' : 'warning';
  return new TlsError(
    ErrorCode.ERR_TLS_ALERT_RECEIVED,
    `peer sent ${level} alert ${alertDescriptionName(alert.description)} (${alert.description})`,
    name === null ? { source: 'peer' } : { source: 'peer', alert: name },
  );
}
