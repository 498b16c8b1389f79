#!/usr/bin/env node
/** The tlskit command: dispatches to the subcommands. */
import { runConnect, CONNECT_HELP } from './connect.js';
import { runDemo, DEMO_HELP } from './demo.js';
import { USAGE } from './help.js';
import { UsageError } from './names.js';
import { runServe, SERVE_HELP } from './serve.js';
import { runVerify, VERIFY_HELP } from './verify.js';
import { EXIT_FAILURE, EXIT_USAGE } from './util.js';

const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[]) => Promise<number>; help: string }>> = {
  demo: { run: runDemo, help: DEMO_HELP },
  connect: { run: runConnect, help: CONNECT_HELP },
  serve: { run: runServe, help: SERVE_HELP },
  verify: { run: runVerify, help: VERIFY_HELP },
};

/** Runs the command line; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    process.stdout.write(topic?.help ?? USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`tlskit: unknown command '${name}'\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_*
    const code = e !== null && typeof e === 'object' && 'code' in e ? String(e.code) : '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tlskit ${name}: ${e instanceof Error ? e.message : String(e)}\n\n${command.help}`);
      return EXIT_USAGE;
    }
    process.stderr.write(`tlskit ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    // stdin (connect) or a lingering socket must not keep the process alive
    process.exit(status);
  },
  (e: unknown) => {
    process.stderr.write(`tlskit: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
