/**
 * The example web app (examples/web), started as `npm run example:web` starts it, and
 * driven over real HTTP: the page, a public and a private upload, serving (plain URLs
 * for public files; signed ones for private files, refused without or with a changed
 * signature), a download link, Range, and delete.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(import.meta.dirname, '..');

interface State {
  dir: string;
  child: ChildProcess;
  origin: string;
}

const test = suite<State>('example web app (examples/web)');
test.before(async (state) => {
  state.dir = await mkdtemp(join(tmpdir(), 'stowage-example-web-'));
  state.child = spawn(
    process.execPath,
    ['--conditions=stowage-source', '--import', 'tsx', join(ROOT, 'examples/web/main.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', EXAMPLE_STORAGE_DIR: state.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  state.origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/[^/\s]+)\//.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    state.child.stdout?.on('data', onData);
    state.child.stderr?.on('data', onData);
    state.child.on('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)));
  });
});
test.after(async (state) => {
  state.child?.kill();
  await rm(state.dir, { recursive: true, force: true });
});

/** The links and delete forms of the page, by file name. */
async function listing(origin: string): Promise<Map<string, { view: string; download: string }>> {
  const html = await (await fetch(`${origin}/`)).text();
  const rows = new Map<string, { view: string; download: string }>();
  for (const match of html.matchAll(
    /<a href="([^"]+)">([^<]+)<\/a><\/td><td>\d+<\/td><td><a href="([^"]+)">download/g,
  )) {
    const unescapeHtml = (text: string) =>
      text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    rows.set(unescapeHtml(match[2] as string), {
      view: unescapeHtml(match[1] as string),
      download: unescapeHtml(match[3] as string),
    });
  }
  return rows;
}

async function upload(origin: string, visibility: 'public' | 'private', filename: string, bytes: Buffer) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  const response = await fetch(`${origin}/upload/${visibility}`, { method: 'POST', body: form, redirect: 'manual' });
  assert.is(response.status, 303);
  await response.arrayBuffer();
}

test('upload, list, serve (public and private), download, Range, delete', async ({ origin }) => {
  const page = await fetch(`${origin}/`);
  assert.is(page.status, 200);
  assert.match(await page.text(), 'enctype="multipart/form-data"');

  const publicBytes = randomBytes(20_000);
  const privateBytes = randomBytes(30_000);
  await upload(origin, 'public', 'holiday photo.jpg', publicBytes);
  await upload(origin, 'private', 'contract.pdf', privateBytes);
  const rows = await listing(origin);
  const shown = rows.get('uploads/holiday_photo.jpg');
  const secret = rows.get('uploads/contract.pdf');
  assert.ok(shown && secret, `listed: ${[...rows.keys()].join(', ')}`);

  assert.is(shown.view, '/media/uploads/holiday_photo.jpg');
  const view = await fetch(`${origin}${shown.view}`);
  assert.is(view.headers.get('content-type'), 'image/jpeg');
  assert.equal(Buffer.from(await view.arrayBuffer()), publicBytes);
  const ranged = await fetch(`${origin}${shown.view}`, { headers: { range: 'bytes=5-14' } });
  assert.is(ranged.status, 206);
  assert.equal(Buffer.from(await ranged.arrayBuffer()), publicBytes.subarray(5, 15));
  const download = await fetch(`${origin}${shown.download}`);
  await download.arrayBuffer();
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="?holiday_photo\.jpg/);

  assert.match(secret.view, /^\/private\/uploads\/contract\.pdf\?expires=\d+&signature=/);
  const signed = await fetch(`${origin}${secret.view}`);
  assert.is(signed.status, 200);
  assert.equal(Buffer.from(await signed.arrayBuffer()), privateBytes);
  const signedDownload = await fetch(`${origin}${secret.download}`);
  await signedDownload.arrayBuffer();
  assert.is(signedDownload.status, 200);
  assert.match(signedDownload.headers.get('content-disposition') ?? '', /^attachment/);
  for (const refused of [
    '/private/uploads/contract.pdf',
    secret.view.replace('expires=', 'expires=1'),
    // Another first character (one the signature does not start with), so it always differs.
    secret.view.replace(/signature=./, (s) => `signature=${s.endsWith('A') ? 'B' : 'A'}`),
    `${secret.view}&download`,
  ]) {
    const response = await fetch(`${origin}${refused}`);
    assert.is(response.status, 403, refused);
    assert.not.match(await response.text(), /signature=|secret/i);
  }

  const remove = await fetch(`${origin}/delete`, {
    method: 'POST',
    body: new URLSearchParams({ visibility: 'public', name: 'uploads/holiday_photo.jpg' }),
    redirect: 'manual',
  });
  assert.is(remove.status, 303);
  assert.is((await fetch(`${origin}${shown.view}`)).status, 404);
  assert.not.ok((await listing(origin)).has('uploads/holiday_photo.jpg'));
});

test.run();
