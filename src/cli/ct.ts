/**
 * Certificate Transparency options shared by `tlskit connect` and `tlskit verify`: `--ct-logs FILE`
 * (a log list in the v3 JSON schema, as published by browser vendors), `--ct-min N` and
 * `--ct-operators N` (the policy: N valid SCTs from at least M distinct log operators), and the
 * lines that report each SCT's verification (RFC 6962 §3.2, §3.3).
 */
import { readFileSync } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import type { Json } from '../trace/json.js';
import { parseLogList, type CtLog, type CtPolicy, type SctVerification } from '../x509/ct.js';
import { UsageError } from './names.js';

export const CT_HELP = `  --ct-logs FILE     a Certificate Transparency log list (v3 JSON, e.g. Chrome's log_list.json);
                     the SCTs (in the certificate; with connect also from the TLS extension and
                     a stapled OCSP response) are verified against it and reported
  --ct-min N         with --ct-logs: require N valid SCTs (else CT_POLICY_NOT_MET; default: report only)
  --ct-operators N   with --ct-min: from at least N distinct log operators (default: min(N, 2))
`;

export const CT_OPTIONS = {
  'ct-logs': { type: 'string' },
  'ct-min': { type: 'string' },
  'ct-operators': { type: 'string' },
} as const;

/** What the verifier takes (`ct: { logs, policy }`), or undefined without --ct-logs. */
export interface CtSettings {
  readonly logs: readonly CtLog[];
  readonly policy: CtPolicy | undefined;
}

const count = (flag: string, v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a non-negative integer`);
  return n;
};

/** Reads --ct-logs and the policy flags; usage errors for a bad file or flags without --ct-logs. */
export function ctSettings(provider: CryptoProvider, values: { readonly 'ct-logs'?: string | undefined; readonly 'ct-min'?: string | undefined; readonly 'ct-operators'?: string | undefined }): CtSettings | undefined {
  const file = values['ct-logs'];
  const min = values['ct-min'] === undefined ? undefined : count('--ct-min', values['ct-min']);
  const operators = values['ct-operators'] === undefined ? undefined : count('--ct-operators', values['ct-operators']);
  if (file === undefined) {
    if (min !== undefined || operators !== undefined) throw new UsageError(`${min !== undefined ? '--ct-min' : '--ct-operators'} needs --ct-logs`);
    return undefined;
  }
  if (operators !== undefined && min === undefined) throw new UsageError('--ct-operators needs --ct-min');
  let logs: CtLog[];
  try {
    logs = parseLogList(provider, readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read --ct-logs ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const policy = min === undefined ? undefined : { minScts: min, minOperators: operators ?? Math.min(min, 2) };
  return { logs, policy };
}

/** "SCTs: …" lines for people, and the same for --json. */
export function sctReport(ct: CtSettings, results: readonly SctVerification[]): { readonly text: string; readonly json: Json } {
  const valid = results.filter((r) => r.ok).length;
  const policy = ct.policy === undefined ? 'report only' : `policy: ${ct.policy.minScts ?? 2} from ${ct.policy.minOperators ?? 2} operator(s), met`;
  const lines = [`SCTs: ${valid} valid of ${results.length} (${ct.logs.length} log(s) in the list; ${policy})`];
  for (const r of results) lines.push(`  ${r.ok ? 'ok ' : 'BAD'} ${r.detail}`);
  return {
    text: `${lines.join('\n')}\n`,
    json: {
      valid,
      policy: ct.policy === undefined ? null : { min_scts: ct.policy.minScts ?? 2, min_operators: ct.policy.minOperators ?? 2 },
      scts: results.map((r) => ({ ok: r.ok, source: r.sct.source, log: r.log?.description ?? null, detail: r.detail })),
    },
  };
}
