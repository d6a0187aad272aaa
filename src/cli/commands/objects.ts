/** `stowage ls`, `stowage url` and `stowage rm`. */
import { type Command, InvalidArgumentError } from 'commander';
import type { FileStat } from '../../driver.js';
import { MAX_URL_EXPIRY_SECONDS } from '../../storage.js';
import type { CliContext, Run } from '../context.js';

interface LsOptions {
  recursive?: boolean;
  long?: boolean;
}

export function lsCommand(program: Command, run: Run): void {
  program
    .command('ls')
    .description('list the objects under a directory path, one level (or all levels with -r)')
    .argument('[prefix]', 'the directory path to list', '')
    .option('-r, --recursive', 'list every object below the prefix, not just one level')
    .option('-l, --long', 'show size, modification time and content type')
    .action((prefix: string, options: LsOptions, command: Command) =>
      run(command, (context) => ls(context, prefix, options)),
    );
}

async function ls(context: CliContext, prefix: string, options: LsOptions): Promise<void> {
  const storage = await context.storage();
  const recursive = options.recursive === true;
  const directories = recursive ? [] : (await storage.listdir(prefix)).directories;
  const files: FileStat[] = [];
  for await (const stat of storage.list(prefix, { recursive })) files.push(stat);
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const dirNames = directories.map((dir) => `${base === '' ? '' : `${base}/`}${dir}/`);
  context.result(
    {
      directories: dirNames,
      files: files.map((f) => ({
        name: f.name,
        size: f.size,
        lastModified: f.lastModified.toISOString(),
        contentType: f.contentType,
      })),
    },
    () => [
      ...dirNames.map((dir) => (options.long ? `${'DIR'.padStart(12)}  ${''.padEnd(24)}  ${dir}` : dir)),
      ...files.map((f) =>
        options.long
          ? `${String(f.size).padStart(12)}  ${f.lastModified.toISOString().padEnd(24)}  ${f.name}  ${f.contentType ?? ''}`.trimEnd()
          : f.name,
      ),
    ],
  );
}

interface UrlOptions {
  expiresIn?: number;
  download?: boolean | string;
}

export function urlCommand(program: Command, run: Run): void {
  program
    .command('url')
    .description('print a URL for an object: plain where public, presigned where private')
    .argument('<name>', 'the object name')
    .option('--expires-in <seconds>', `lifetime of a presigned URL, 1 to ${MAX_URL_EXPIRY_SECONDS}`, parseSeconds)
    .option('--download [filename]', 'make the browser download it (Content-Disposition: attachment)')
    .action((name: string, options: UrlOptions, command: Command) =>
      run(command, async (context) => {
        const storage = await context.storage();
        const url = await storage.url(name, { expiresIn: options.expiresIn, download: options.download });
        context.result({ name, url }, () => [url]);
      }),
    );
}

export function rmCommand(program: Command, run: Run): void {
  program
    .command('rm')
    .description('delete objects (a missing object is not an error)')
    .argument('<names...>', 'the object names')
    .action((names: string[], _options: object, command: Command) =>
      run(command, async (context) => {
        const storage = await context.storage();
        for (const name of names) await storage.delete(name);
        context.result({ deleted: names }, () => names.map((name) => `deleted ${name}`));
      }),
    );
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_URL_EXPIRY_SECONDS) {
    throw new InvalidArgumentError(`expected whole seconds from 1 to ${MAX_URL_EXPIRY_SECONDS}.`);
  }
  return seconds;
}
