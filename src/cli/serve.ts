export const SERVE_HELP = 'Usage: tlskit serve [options]\n';
export function runServe(_argv: readonly string[]): Promise<number> {
  return Promise.resolve(2);
}
