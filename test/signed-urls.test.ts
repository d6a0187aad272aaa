/**
 * Signed URLs of the drivers without a server (fs, memory): the signer itself
 * (src/url-signing.ts), and stowage/http verifying them over real sockets with both
 * handlers: exactly the signed name, expiry and disposition are served; a missing,
 * changed or expired signature is a 403 that says nothing about the secret.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { createMemoryStorage } from '../drivers/memory/index.js';
import { isStorageError } from '../src/errors.js';
import { createStorageFromEnv } from '../src/registry.js';
import { registerUrlSigner, UrlSigner } from '../src/url-signing.js';
import { encodeName } from '../src/utf8.js';
import { type HandlerKind, serveStorage } from './support/http.js';

const SECRET = 'test secret: thirty-two bytes or more, never shown';

const signer = suite('UrlSigner');

signer('a secret under 32 bytes is INVALID_CONFIG, naming the setting and not the secret', () => {
  for (const short of ['', 'x', 'y'.repeat(31)]) {
    try {
      new UrlSigner(short, 'STORAGE_FS_URL_SECRET');
      assert.unreachable('accepted a short secret');
    } catch (error) {
      assert.ok(isStorageError(error, 'INVALID_CONFIG'));
      assert.match((error as Error).message, 'STORAGE_FS_URL_SECRET');
      if (short !== '') assert.not.match((error as Error).message, short);
    }
  }
  new UrlSigner('z'.repeat(32));
});

signer('verify: the signed name, expiry and disposition, nothing else', () => {
  const urls = new UrlSigner(SECRET);
  const query = (name: string, options = {}) => new URLSearchParams(urls.sign(name, options));
  assert.equal(urls.verify('a/b.txt', query('a/b.txt', { expiresIn: 60 })), { valid: true, download: undefined });
  assert.equal(urls.verify('a/b.txt', query('a/b.txt', { download: true })), { valid: true, download: true });
  assert.equal(urls.verify('a/b.txt', query('a/b.txt', { download: 'x y.pdf' })), { valid: true, download: 'x y.pdf' });
  const good = query('a/b.txt', { expiresIn: 60 });
  assert.equal(urls.verify('a/c.txt', good), { valid: false, reason: 'invalid' }, 'another name');
  const later = new URLSearchParams(good);
  later.set('expires', String(Number(good.get('expires')) + 3600));
  assert.equal(urls.verify('a/b.txt', later), { valid: false, reason: 'invalid' }, 'a later expiry');
  const downloaded = new URLSearchParams(good);
  downloaded.set('download', '');
  assert.equal(urls.verify('a/b.txt', downloaded), { valid: false, reason: 'invalid' }, 'a disposition added');
  const inline = query('a/b.txt', { download: true });
  inline.delete('download');
  assert.equal(urls.verify('a/b.txt', inline), { valid: false, reason: 'invalid' }, 'the disposition removed');
  const truncated = new URLSearchParams(good);
  truncated.set('signature', (good.get('signature') ?? '').slice(0, -1));
  assert.equal(urls.verify('a/b.txt', truncated), { valid: false, reason: 'invalid' }, 'a shorter signature');
  assert.equal(urls.verify('a/b.txt', new URLSearchParams()), { valid: false, reason: 'missing' });
  const other = new UrlSigner(`${SECRET}!`);
  assert.equal(other.verify('a/b.txt', good), { valid: false, reason: 'invalid' }, 'another secret');
});

signer('an expired URL is refused as expired', () => {
  const urls = new UrlSigner(SECRET);
  const realNow = Date.now;
  try {
    const query = new URLSearchParams(urls.sign('x.txt', { expiresIn: 1 }));
    Date.now = () => realNow() + 2_000;
    assert.equal(urls.verify('x.txt', query), { valid: false, reason: 'expired' });
  } finally {
    Date.now = realNow;
  }
});

signer('the secret is not in the signer, its JSON or its inspection', () => {
  const urls = new UrlSigner(SECRET);
  assert.not.match(JSON.stringify(urls), SECRET);
  assert.not.match(inspect(urls, { showHidden: true, depth: 5 }), SECRET);
  assert.not.match(urls.sign('x.txt', { download: true }), SECRET);
});

signer.run();

for (const kind of ['node', 'fetch'] as const) handlerChecks(kind);

/** The handler on a memory storage whose driver has a registered signer. */
function handlerChecks(kind: HandlerKind): void {
  const test = suite(`${kind}Handler verifies signed URLs`);
  test('only the signed name, expiry and disposition are served; the rest is 403', async () => {
    const storage = createMemoryStorage();
    const urls = new UrlSigner(SECRET);
    registerUrlSigner(storage.driver, urls);
    const listening = await serveStorage(kind, storage, { prefix: '/private/' });
    try {
      await storage.save('docs/a report.pdf', 'report');
      await storage.save('docs/other.pdf', 'other');
      const url = (name: string, options = {}) =>
        `${listening.origin}/private/${encodeName(name)}?${urls.sign(name, options)}`;
      const ok = await fetch(url('docs/a report.pdf', { expiresIn: 60 }));
      assert.is(ok.status, 200);
      assert.is(await ok.text(), 'report');
      assert.is(ok.headers.get('content-disposition'), null);
      const download = await fetch(url('docs/a report.pdf', { download: 'mine.pdf' }));
      assert.is(await download.text(), 'report');
      assert.is(download.headers.get('content-disposition'), 'attachment; filename=mine.pdf');
      const ranged = await fetch(url('docs/a report.pdf'), { headers: { range: 'bytes=1-3' } });
      assert.is(ranged.status, 206);
      assert.is(await ranged.text(), 'epo');

      const signed = url('docs/a report.pdf', { expiresIn: 60 });
      const query = signed.slice(signed.indexOf('?'));
      for (const refused of [
        `${listening.origin}/private/docs/a%20report.pdf`,
        `${listening.origin}/private/docs/other.pdf${query}`,
        `${signed}&download`,
        signed.replace(/expires=\d/, 'expires=9'),
        signed.replace(/signature=./, (s) => `signature=${s.endsWith('A') ? 'B' : 'A'}`),
      ]) {
        const response = await fetch(refused);
        const body = await response.text();
        assert.is(response.status, 403, refused);
        assert.not.match(body, SECRET);
        assert.not.match(body, /signature=/);
      }
      const head = await fetch(`${listening.origin}/private/docs/a%20report.pdf`, { method: 'HEAD' });
      assert.is(head.status, 403, 'HEAD needs a signature too');
    } finally {
      await listening.close();
    }
  });
  test.run();
}

const drivers = suite('fs and memory with a urlSecret');

drivers('they declare presign (not publicUrl) and sign url() under baseUrl', async () => {
  const location = await mkdtemp(join(tmpdir(), 'stowage-signed-'));
  try {
    for (const storage of [
      createMemoryStorage({ baseUrl: 'https://example.com/private/', urlSecret: SECRET }),
      createFileSystemStorage({ location, baseUrl: 'https://example.com/private', urlSecret: SECRET }),
    ]) {
      assert.is(storage.capabilities.presign, true);
      assert.is(storage.capabilities.publicUrl, false);
      const name = await storage.save('a b/c.pdf', 'x');
      const plain = await storage.url(name);
      assert.match(plain, /^https:\/\/example\.com\/private\/a%20b\/c\.pdf\?expires=\d+&signature=[\w-]+$/);
      const expires = Number(new URL(plain).searchParams.get('expires'));
      assert.ok(Math.abs(expires - (Date.now() / 1000 + 7 * 24 * 3600)) < 60, 'seven days by default');
      const signed = new URL(await storage.url(name, { expiresIn: 60, download: 'x.pdf' }));
      assert.ok(Math.abs(Number(signed.searchParams.get('expires')) - (Date.now() / 1000 + 60)) < 5);
      assert.is(signed.searchParams.get('download'), 'x.pdf');
      for (const shown of [plain, signed.href, JSON.stringify(storage), inspect(storage, { depth: 6 })]) {
        assert.not.match(shown, SECRET);
      }
      assert.not.match(inspect(storage.driver.options, { depth: 6, showHidden: true }), SECRET);
    }
    const unsigned = createMemoryStorage({ baseUrl: '/media/' });
    assert.is(unsigned.capabilities.presign, false);
    assert.is(unsigned.capabilities.publicUrl, true);
  } finally {
    await rm(location, { recursive: true, force: true });
  }
});

drivers('a short secret, or one without baseUrl, is INVALID_CONFIG naming the option or variable', async () => {
  const refused = async (build: () => unknown, named: string) => {
    try {
      await build();
      assert.unreachable(`accepted: ${named}`);
    } catch (error) {
      assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
      assert.match((error as Error).message, named);
      assert.not.match((error as Error).message, 'short-secret');
    }
  };
  await refused(() => createMemoryStorage({ baseUrl: '/m/', urlSecret: 'short-secret' }), 'memory option urlSecret');
  await refused(
    () => createFileSystemStorage({ location: tmpdir(), baseUrl: '/m/', urlSecret: 'short-secret' }),
    'fs option urlSecret',
  );
  await refused(() => createMemoryStorage({ urlSecret: SECRET }), 'needs a baseUrl');
  for (const [variable, driver] of [
    ['STORAGE_FS_URL_SECRET', 'fs'],
    ['STORAGE_MEMORY_URL_SECRET', 'memory'],
  ] as const) {
    await refused(
      () => createStorageFromEnv({ STORAGE_DRIVER: driver, STORAGE_FS_LOCATION: tmpdir(), [variable]: 'short-secret' }),
      variable,
    );
  }
  const fromEnv = await createStorageFromEnv({
    STORAGE_DRIVER: 'memory',
    STORAGE_MEMORY_BASE_URL: '/private/',
    STORAGE_MEMORY_URL_SECRET: SECRET,
  });
  assert.is(fromEnv.capabilities.presign, true);
  assert.match(await fromEnv.url('x.txt'), /^\/private\/x\.txt\?expires=\d+&signature=/);
});

drivers(
  'one private-file flow: a signed URL from url() served by the handler, then refused once tampered',
  async () => {
    for (const kind of ['node', 'fetch'] as const) {
      const listening = await serveStorage(kind, undefined, { prefix: '/private/' });
      const storage = createMemoryStorage({ baseUrl: `${listening.origin}/private/`, urlSecret: SECRET });
      listening.serve(storage);
      try {
        const name = await storage.save('contract.pdf', '%PDF');
        const signed = await storage.url(name, { expiresIn: 120, download: true });
        const response = await fetch(signed);
        assert.is(response.status, 200);
        assert.is(await response.text(), '%PDF');
        assert.is(response.headers.get('content-disposition'), 'attachment; filename=contract.pdf');
        const tampered = await fetch(signed.replace('download=', 'download=other.pdf'));
        assert.is(tampered.status, 403);
        await tampered.arrayBuffer();
      } finally {
        await listening.close();
      }
    }
  },
);

drivers.run();
