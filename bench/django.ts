/**
 * django-minio-backend, the library stowage takes its model from, on the same server
 * and workloads: bench/django/bench.py under the virtualenv bench/django/install.sh
 * makes (pinned from PyPI, gitignored). When Python or the install is unavailable the
 * section is skipped with the reason, and the report says so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from './contenders.js';

const HERE = join(import.meta.dirname, 'django');
const run = promisify(execFile);

export interface Django {
  /** The interpreter of the virtualenv. */
  python: string;
  /** Runs one mode of bench.py and parses its JSON answer. */
  call<T>(mode: 'small' | 'contention' | 'large' | 'count', spec: Record<string, unknown>): Promise<T>;
}

/**
 * Installs (unless `install` is false and it is missing) and returns the runner, or the
 * reason it is unavailable.
 */
export async function django(install: boolean): Promise<Django | string> {
  const venvPython = join(import.meta.dirname, '.venv-django', 'bin', 'python');
  let python = venvPython;
  if (install) {
    try {
      const { stdout } = await run('bash', [join(HERE, 'install.sh')], { timeout: 300_000 });
      python = stdout.trim().split('\n').pop() ?? venvPython;
    } catch (error) {
      return `installing django-minio-backend failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`;
    }
  } else if (!existsSync(venvPython)) {
    return 'bench/.venv-django is not installed (run bash bench/django/install.sh, or a run without --quick installs it)';
  }
  return {
    python,
    async call<T>(mode: string, spec: Record<string, unknown>): Promise<T> {
      const { stdout } = await run(python, [join(HERE, 'bench.py'), mode, JSON.stringify(spec)], {
        maxBuffer: 16 * 1024 * 1024,
        timeout: 600_000,
      });
      return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
    },
  };
}

/** The connection settings bench.py reads. */
export function djangoSpec(target: Target, prefix: string): Record<string, unknown> {
  return { ...target, prefix };
}
