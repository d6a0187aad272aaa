/**
 * Code samples in Markdown, for test/docs.test.ts. A ```ts block is type-checked and run;
 * words after `ts` on the fence line change that:
 *
 *   ```ts                      run with STORAGE_DRIVER=memory in an empty directory
 *   ```ts STORAGE_DRIVER=fs    any NAME=value word is set in the block's environment
 *   ```ts needs=minio          run against the test MinIO server (needs=s3: the S3 driver on it)
 *   ```ts decorators           compiled with experimentalDecorators (inversify's @inject)
 *   ```ts no-run               type-checked only (e.g. it needs AWS itself)
 *   ```ts fragment             neither: an excerpt that cannot stand alone
 *
 * `no-run` and `fragment` blocks are counted and listed in the test output, never
 * skipped silently. JavaScript blocks are refused: samples are TypeScript.
 *
 * Shell blocks marked `run` (```sh run STORAGE_DRIVER=fs) are run by bash with
 * `set -euo pipefail` in an empty directory, where `stowage` and `npx stowage` are the
 * built CLI; the same NAME=value and needs= words apply. Other shell blocks (install
 * commands, configuration excerpts) are not samples of the API and are not run.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export type Server = 'minio' | 's3';

export interface DocBlock {
  /** TypeScript, or a shell session with the CLI. */
  kind: 'ts' | 'sh';
  /** `docs/cli.md:42`: the fence's line, for messages. */
  where: string;
  /** A file-name-safe id: `cli-3`. */
  id: string;
  code: string;
  /** Line of the first code line in the Markdown file (1-based). */
  firstLine: number;
  file: string;
  mode: 'run' | 'no-run' | 'fragment';
  env: Record<string, string>;
  needs: Server | undefined;
  decorators: boolean;
}

const FENCE = /^(\s*)```(.*)$/;
const SERVERS: readonly Server[] = ['minio', 's3'];

/** Every ```ts block of `file`; throws on an unknown fence word or a JavaScript block. */
export function docBlocks(file: string, label: string): DocBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  let open: { info: string; start: number; body: string[] } | undefined;
  lines.forEach((line, index) => {
    const fence = FENCE.exec(line);
    if (!fence) {
      open?.body.push(line);
      return;
    }
    if (open) {
      const block = parseBlock(label, open.info, open.start, open.body.join('\n'), blocks.length);
      if (block) blocks.push(block);
      open = undefined;
    } else {
      open = { info: (fence[2] ?? '').trim(), start: index + 1, body: [] };
    }
  });
  if (open) throw new Error(`${label}:${open.start}: unclosed code fence`);
  return blocks;
}

function parseBlock(label: string, info: string, line: number, code: string, index: number): DocBlock | undefined {
  const [language = '', ...words] = info.split(/\s+/).filter(Boolean);
  const where = `${label}:${line}`;
  if (['js', 'javascript', 'mjs', 'cjs'].includes(language)) {
    throw new Error(`${where}: write samples as \`\`\`ts (this test runs TypeScript samples only)`);
  }
  const shell = ['sh', 'bash', 'shell'].includes(language);
  if (shell && !words.includes('run')) return undefined;
  if (!shell && language !== 'ts' && language !== 'typescript') return undefined;
  const block: DocBlock = {
    kind: shell ? 'sh' : 'ts',
    where,
    id: `${basename(label, '.md')}-${index + 1}`,
    code,
    firstLine: line + 1,
    file: label,
    mode: 'run',
    env: {},
    needs: undefined,
    decorators: false,
  };
  for (const word of words.filter((w) => !(shell && w === 'run'))) applyWord(block, word);
  return block;
}

function applyWord(block: DocBlock, word: string): void {
  const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(word);
  if (assignment) block.env[assignment[1] as string] = assignment[2] as string;
  else if (word === 'fragment' || word === 'no-run') block.mode = word;
  else if (word === 'decorators') block.decorators = true;
  else if (word.startsWith('needs=') && SERVERS.includes(word.slice(6) as Server))
    block.needs = word.slice(6) as Server;
  else {
    throw new Error(
      `${block.where}: unknown fence word ${JSON.stringify(word)}; use NAME=value, needs=minio|s3, decorators, no-run or fragment`,
    );
  }
}
