/**
 * Contract: URLs — fetched over HTTP and compared byte for byte where the target
 * serves them; UNSUPPORTED where the driver's capabilities leave them out.
 */
import { randomBytes } from 'node:crypto';
import * as assert from 'uvu/assert';
import { type ContractSetup, contractSuite, fetchFresh, rejectsWith, sha256 } from './context.js';
import { AWKWARD_NAMES } from './names.js';

export function urlContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'urls');

  test('url() of awkward names fetches the exact bytes', async ({ storage, capabilities, target }) => {
    const name = await storage.save('urls/plain.bin', randomBytes(100));
    if (!capabilities.publicUrl && !capabilities.presign) {
      await rejectsWith(storage.url(name), 'UNSUPPORTED', 'url');
      return;
    }
    const url = await storage.url(name);
    assert.ok(URL.canParse(url) || url.startsWith('/'), url);
    if (!target.servesUrls) return;
    for (const awkward of AWKWARD_NAMES.filter((n) => !n.startsWith('.'))) {
      const bytes = randomBytes(64);
      const stored = await storage.save(`urls/${awkward}`, bytes);
      const response = await fetchFresh(await storage.url(stored));
      assert.is(response.status, 200, `GET ${awkward}`);
      assert.is(sha256(Buffer.from(await response.arrayBuffer())), sha256(bytes), awkward);
    }
  });

  test('presigned options: expiresIn and download, or UNSUPPORTED', async ({ storage, capabilities, target }) => {
    const name = await storage.save('urls/signed report.pdf', 'pdf bytes');
    if (!capabilities.presign) {
      await rejectsWith(storage.url(name, { expiresIn: 60 }), 'UNSUPPORTED', 'expiresIn');
      await rejectsWith(storage.url(name, { download: true }), 'UNSUPPORTED', 'download');
      return;
    }
    await rejectsWith(storage.url(name, { expiresIn: 0 }), 'INVALID_CONFIG', 'expiresIn 0');
    await rejectsWith(storage.url(name, { expiresIn: 8 * 24 * 3600 }), 'INVALID_CONFIG', 'expiresIn 8 days');
    const url = await storage.url(name, { expiresIn: 120, download: 'my report.pdf' });
    if (!target.servesUrls) return;
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'pdf bytes');
    if (target.honoursDownload !== false) {
      assert.match(response.headers.get('content-disposition') ?? '', /attachment/);
    }
  });

  test('createUploadUrl, or UNSUPPORTED', async ({ storage, capabilities }) => {
    if (!capabilities.uploadUrl) {
      await rejectsWith(storage.createUploadUrl('urls/upload.bin', { maxSize: 10 }), 'UNSUPPORTED', 'upload url');
      return;
    }
    const upload = await storage.createUploadUrl('urls/upload.txt', {
      contentType: 'text/plain',
      maxSize: 100,
      expiresIn: 300,
    });
    assert.ok(['POST', 'PUT'].includes(upload.method));
    assert.ok(upload.expiresAt.getTime() > Date.now());
    const form = new FormData();
    for (const [key, value] of Object.entries(upload.fields ?? {})) form.append(key, value);
    form.append('file', new Blob(['uploaded'], { type: 'text/plain' }), 'upload.txt');
    const response =
      upload.method === 'POST'
        ? await fetchFresh(upload.url, { method: 'POST', body: form })
        : await fetchFresh(upload.url, { method: 'PUT', body: 'uploaded', headers: upload.headers });
    assert.ok(response.status < 300, `upload answered ${response.status}`);
    assert.is(await (await storage.open('urls/upload.txt')).text(), 'uploaded');
  });

  test.run();
}
