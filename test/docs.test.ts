/**
 * Every ```ts sample in README.md and docs/*.md is type-checked and run, so the docs
 * cannot rot (fence words: test/support/doc-blocks.ts). Samples live in a temporary
 * directory whose node_modules links `stowage` to this checkout, so `import ... from
 * 'stowage'` resolves through the package's exports to its TypeScript source (the
 * `stowage-source` condition), exactly as an installed package resolves to dist/.
 * Each sample runs in its own process and empty directory, with STORAGE_DRIVER=memory
 * unless its fence says otherwise, and none of the developer's storage variables.
 * Shell samples marked `run` drive the built CLI (dist/, which npm test builds first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type DocBlock, docBlocks } from './support/doc-blocks.js';
import { serverEnv } from './support/doc-servers.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const RUN_TIMEOUT_MS = 60_000;
const PARALLEL_RUNS = 4;
const CONFIG_VARIABLE = /^(STORAGE_|MINIO_|AWS_|S3_|NODE_ENV$)/;
const run = promisify(execFile);

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocks = DOCS.flatMap((doc) => docBlocks(join(ROOT, doc), doc));
const work = mkdtempSync(join(tmpdir(), 'stowage-docs-'));
const test = suite('docs samples');

test.before(() => prepareWorkspace());
test.after(() => rmSync(work, { recursive: true, force: true }));

test('the docs have samples, and every one not run is listed', () => {
  assert.ok(blocks.length > 0, 'no ```ts samples found');
  const notRun = blocks.filter((block) => block.mode !== 'run');
  const counts = { run: blocks.length - notRun.length, 'no-run': 0, fragment: 0 };
  for (const block of notRun) counts[block.mode as 'no-run' | 'fragment']++;
  const shell = blocks.filter((block) => block.kind === 'sh' && block.mode === 'run').length;
  console.log(
    `docs samples: ${counts.run} run (${shell} of them shell sessions with the CLI), ` +
      `${counts['no-run']} type-checked only, ${counts.fragment} fragments`,
  );
  for (const block of notRun) console.log(`  ${block.mode.padEnd(8)} ${block.where}`);
});

test('every sample that is not a fragment type-checks', async () => {
  const errors: string[] = [];
  for (const project of ['blocks', 'decorators']) {
    if (!blocks.some((block) => isTypeChecked(block) && (project === 'decorators') === block.decorators)) continue;
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', join(work, project)], { cwd: work }).catch((error) => error);
    errors.push(
      ...String(result.stdout ?? '')
        .split('\n')
        .filter(Boolean)
        .map(toDocLocation),
    );
  }
  assert.equal(errors, [], `type errors in docs samples:\n${errors.join('\n')}`);
});

const runs = new Map<DocBlock, Promise<string | undefined>>();
for (const block of blocks.filter((b) => b.mode === 'run')) {
  test(`runs ${block.where}${block.needs ? ` (needs ${block.needs})` : ''}`, async () => {
    const failure = await startRun(block);
    if (failure) assert.unreachable(`${block.where} failed:\n${failure}`);
  });
}

test.run();

/** node_modules with `stowage` → this checkout and every dependency of it; one tsconfig per project. */
function prepareWorkspace(): void {
  const modules = join(work, 'node_modules');
  mkdirSync(modules);
  symlinkSync(ROOT, join(modules, 'stowage'), 'dir');
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry), 'dir');
  }
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'docs-samples', private: true, type: 'module' }));
  writeShellTools();
  for (const [project, decorators] of [
    ['blocks', false],
    ['decorators', true],
  ] as const) {
    mkdirSync(join(work, project));
    writeFileSync(join(work, project, 'tsconfig.json'), JSON.stringify(tsconfig(decorators), null, 2));
    for (const block of blocks.filter((b) => isTypeChecked(b) && b.decorators === decorators)) {
      // `export {}` makes every sample a module: its own scope, and top-level await.
      writeFileSync(join(work, project, `${block.id}.ts`), `${block.code}\nexport {};\n`);
    }
  }
}

function isTypeChecked(block: DocBlock): boolean {
  return block.kind === 'ts' && block.mode !== 'fragment';
}

/** `stowage` and `npx stowage` on PATH run the built CLI; any other npx is refused. */
function writeShellTools(): void {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'stowage'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  writeFileSync(
    join(bin, 'npx'),
    '#!/bin/sh\nif [ "$1" = stowage ]; then shift; exec stowage "$@"; fi\necho "docs samples may only run npx stowage" >&2\nexit 127\n',
    { mode: 0o755 },
  );
}

function tsconfig(decorators: boolean): object {
  return {
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['es2023', 'dom'],
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
      customConditions: ['stowage-source'],
      ...(decorators ? { experimentalDecorators: true } : {}),
    },
    include: ['*.ts'],
  };
}

/** `blocks/cli-2.ts(3,7): error ...` → `docs/cli.md:45:7: error ...`. */
function toDocLocation(line: string): string {
  const match = /^(?:blocks|decorators)[/\\]([\w.-]+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
  const block = match && blocks.find((b) => b.id === match[1]);
  if (!match || !block) return line;
  return `${block.file}:${block.firstLine + Number(match[2]) - 1}:${match[3]}: ${match[4]}`;
}

/** Runs (at most PARALLEL_RUNS at once) and resolves with the failure's output, or undefined. */
function startRun(block: DocBlock): Promise<string | undefined> {
  let started = runs.get(block);
  if (!started) {
    started = runBlock(block);
    runs.set(block, started);
    // Start the next few now, so that they overlap with this one.
    for (const next of blocks.filter((b) => b.mode === 'run' && !runs.has(b)).slice(0, PARALLEL_RUNS - 1)) {
      runs.set(next, runBlock(next));
    }
  }
  return started;
}

async function runBlock(block: DocBlock): Promise<string | undefined> {
  const env = await blockEnv(block);
  if (env === undefined) return undefined;
  const cwd = join(work, 'run', block.id);
  mkdirSync(cwd, { recursive: true });
  const project = block.decorators ? 'decorators' : 'blocks';
  let command: string[];
  if (block.kind === 'sh') {
    if (!existsSync(CLI)) return `${CLI} is missing: run npm run build first (npm test does).`;
    writeFileSync(join(cwd, 'sample.sh'), `${block.code}\n`);
    command = ['bash', '-euo', 'pipefail', 'sample.sh'];
    env.PATH = `${join(work, 'bin')}${delimiter}${env.PATH ?? ''}`;
  } else {
    command = [
      process.execPath,
      '--conditions=stowage-source',
      '--import',
      'tsx',
      join(work, project, `${block.id}.ts`),
    ];
    env.TSX_TSCONFIG_PATH = join(work, project, 'tsconfig.json');
  }
  try {
    await run(command[0] as string, command.slice(1), { cwd, env, timeout: RUN_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    const source = block.kind === 'sh' ? 'sample.sh' : `${project}/${block.id}.ts`;
    return `${stderr || message}${stdout ? `\nstdout:\n${stdout}` : ''}\n(line N of ${source} is line ${block.firstLine}+N-1 of ${block.file})`;
  }
}

/** The block's environment, or undefined when the server it needs is missing (a loud skip; CI fails). */
async function blockEnv(block: DocBlock): Promise<Record<string, string> | undefined> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIG_VARIABLE.test(name)) env[name] = value;
  }
  env.STORAGE_DRIVER = 'memory';
  if (block.needs) {
    const server = await serverEnv(block.needs, block.id);
    if (!server) return undefined;
    Object.assign(env, server);
  }
  return Object.assign(env, block.env);
}
