#!/usr/bin/env node
/**
 * The `stowage` executable (package.json `bin`). Everything but the process itself is
 * in program.ts, so that tests and other tools can run the CLI in-process too.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
