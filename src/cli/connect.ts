export const CONNECT_HELP = 'Usage: tlskit connect HOST:PORT [options]\n';
export function runConnect(_argv: readonly string[]): Promise<number> {
  return Promise.resolve(2);
}
