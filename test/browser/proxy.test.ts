// <oss-upload strategy="proxy"> in Chromium: the file goes to createProxyHandler on the page's own
// origin (test/browser/proxy-servers.mjs), which streams it to the emulator over HTTP.
import { expect } from '@open-wc/testing';
import { crc64 } from '../../src/signing/crc64.js';
import { parseProxyResult, proxyError } from '../../src/strategies/proxy.js';
import { cleanup, details, env, errorsOf, makeFile, mount, next, objects, record, setFaults, uploadAll } from './support.js';

interface OpenUpload {
  bucket: string;
  key: string;
  uploadId: string;
}

async function openUploads(): Promise<OpenUpload[]> {
  return await (await fetch(`${env.emulatorUrl}/_emulator/uploads?bucket=${env.bucket}`)).json() as OpenUpload[];
}

/** Polls until `check` holds (or throws after `ms`). */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function crcOf(blob: Blob): Promise<string> {
  return crc64(new Uint8Array(await blob.arrayBuffer())).toString();
}

describe('<oss-upload> proxy', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  describe('uploads', () => {
    it('a small file (one PutObject) and a 5 MiB one (multipart): success detail, stored bytes, progress', async () => {
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy', multiple: true, concurrency: '1' });
      const events = record(el);
      const small = makeFile('hello proxy.txt', 1234, 'text/plain').file;
      const large = makeFile('large.bin', 5 * 1024 * 1024 + 17).file;
      await uploadAll(el, [small, large]);
      const successes = details(events, 'oss-upload-success');
      expect(successes, errorsOf(events)).to.have.length(2);
      for (const [success, file] of successes.map((s, i) => [s, [small, large][i]!] as const)) {
        expect(success.strategy).to.equal('proxy');
        expect(success.bucket).to.equal(env.bucket);
        // The server decides the key: the prefix, a fresh ULID, the name from the page's wish.
        expect(success.key).to.match(new RegExp(`^uploads/[0-9a-z]{26}/${file.name}$`));
        expect(success.key).to.not.equal(`uploads/${details(events, 'oss-upload-before').find((b) => b.file.id === success.file.id)!.key}`);
        expect(success.url).to.equal(`${env.ossEndpoint}/${env.bucket}/${success.key.split('/').map(encodeURIComponent).join('/')}`);
        const object = (await objects(success.key)).find((o) => o.key === success.key);
        expect(object?.size).to.equal(file.size);
        expect(object?.crc64).to.equal(await crcOf(file));
        expect(object?.contentType).to.equal(file.type);
        expect(success.etag).to.equal(object?.etag);

        const progress = details(events, 'oss-upload-progress').filter((p) => p.file.id === success.file.id);
        expect(progress.length).to.be.greaterThan(0);
        for (let i = 1; i < progress.length; i++) expect(progress[i]!.loaded).to.be.greaterThan(progress[i - 1]!.loaded);
        expect([progress.at(-1)!.loaded, progress.at(-1)!.total, progress.at(-1)!.percent]).to.deep.equal([file.size, file.size, 100]);
      }
      expect(successes[0]!.etag).to.match(/^"[0-9A-F]{32}"$/);
      expect(successes[1]!.etag).to.match(/^"[0-9A-F]{32}-6"$/); // six 1 MiB parts
      expect(el.files.map((f) => f.status)).to.deep.equal(['success', 'success']);
    });

    it('an upload-dir the server allows becomes part of the key; one it does not is dir-not-allowed, nothing stored', async () => {
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy', 'upload-dir': 'images' });
      const events = record(el);
      await uploadAll(el, [makeFile('cat.png', 100, 'image/png').file]);
      expect(details(events, 'oss-upload-success')[0]?.key, errorsOf(events)).to.match(/^uploads\/images\/[0-9a-z]{26}\/cat\.png$/);

      const refused = await mount({ strategy: 'proxy', endpoint: '/proxy', 'upload-dir': 'secret' });
      const refusedEvents = record(refused);
      await uploadAll(refused, [makeFile('dog.png', 100, 'image/png').file]);
      const [error] = details(refusedEvents, 'oss-upload-error');
      expect([error?.code, error?.status, error?.endpointCode, error?.retryable]).to.deep.equal(['dir-not-allowed', 403, 'DirNotAllowed', false]);
      expect(details(refusedEvents, 'oss-upload-retry')).to.deep.equal([]);
      expect((await objects('uploads/')).filter((o) => o.key.endsWith('/dog.png'))).to.deep.equal([]);
    });

    it("sends requestHeaders and the page's cookies; with-credentials sets withCredentials for a cross-origin server", async () => {
      const denied = await mount({ strategy: 'proxy', endpoint: '/proxy-auth', retries: '0' });
      const deniedEvents = record(denied);
      await uploadAll(denied, [makeFile('a.txt', 10, 'text/plain').file]);
      const [error] = details(deniedEvents, 'oss-upload-error');
      expect([error?.code, error?.status, error?.endpointCode]).to.deep.equal(['credentials-unauthorized', 401, 'Unauthorized']);
      expect(error?.message).to.contain('Sign in first.');

      const el = await mount({ strategy: 'proxy', endpoint: '/proxy-auth' }, (e) => {
        e.requestHeaders = async () => ({ Authorization: 'Bearer let-me-in' });
      });
      const events = record(el);
      await uploadAll(el, [makeFile('b.txt', 10, 'text/plain').file]);
      expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(1);

      document.cookie = 'session=ok; path=/';
      try {
        const withCookie = await mount({ strategy: 'proxy', endpoint: '/proxy-cookie' });
        const cookieEvents = record(withCookie);
        await uploadAll(withCookie, [makeFile('c.txt', 10, 'text/plain').file]);
        expect(details(cookieEvents, 'oss-upload-success'), errorsOf(cookieEvents)).to.have.length(1);
      } finally {
        document.cookie = 'session=; path=/; max-age=0';
      }

      const seen: boolean[] = [];
      const realSend = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
        seen.push(this.withCredentials);
        return realSend.call(this, body);
      };
      try {
        for (const withCredentials of [false, true]) {
          const w = await mount({ strategy: 'proxy', endpoint: '/proxy', 'with-credentials': withCredentials });
          await uploadAll(w, [makeFile('w.txt', 10, 'text/plain').file]);
        }
      } finally {
        XMLHttpRequest.prototype.send = realSend;
      }
      expect(seen).to.deep.equal([false, true]);
    });
  });

  describe('abort', () => {
    it('in the middle gives oss-upload-abort, no object and no open multipart upload', async () => {
      // 200 kB/s into the emulator: the proxy's parts crawl, and its backpressure reaches the page.
      await setFaults({ bandwidth: 200_000 });
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy' });
      const events = record(el);
      // Larger than what the server buffers and the sockets hold, so that most of it is still in the
      // page at the abort (once all of it has left, abort() waits for the answer: abort-outcomes.test.ts).
      const { file } = makeFile('proxy-abort.bin', 32 * 1024 * 1024);
      const [id] = await el.addFiles([file]);
      const ours = (u: { key: string }) => u.key.endsWith('/proxy-abort.bin');
      // In the middle: the server has started the multipart upload on OSS.
      await until('the multipart upload to start', async () => (await openUploads()).some(ours));
      expect(el.files[0]!.status).to.equal('uploading');
      const aborted = next(el, 'oss-upload-abort');
      el.abort(id);
      expect((await aborted).detail.file.id).to.equal(id);
      await setFaults({}); // let the parts in flight land, so the server can abort the upload
      await until('the multipart upload to be aborted', async () => !(await openUploads()).some(ours));
      expect(details(events, 'oss-upload-error')).to.deep.equal([]);
      expect(details(events, 'oss-upload-success')).to.deep.equal([]);
      expect(el.files[0]!.status).to.equal('aborted');
      expect((await objects('uploads/')).filter(ours)).to.deep.equal([]);
    });
  });

  describe("the server's errors reach oss-upload-error", () => {
    it('413 from the handler: too-large "too large for this server", with its limit; nothing stored', async () => {
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy-small' });
      const events = record(el);
      await uploadAll(el, [makeFile('over.bin', 200 * 1024).file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.status, error?.endpointCode, error?.retryable]).to.deep.equal(['too-large', 413, 'FileTooLarge', false]);
      expect(error?.message).to.equal('"over.bin" is too large for this server (at most 64 KiB).');
      expect(details(events, 'oss-upload-retry')).to.deep.equal([]);
      expect((await objects('uploads/')).filter((o) => o.key.endsWith('/over.bin'))).to.deep.equal([]);
      expect((await openUploads()).filter((u) => u.key.endsWith('/over.bin'))).to.deep.equal([]);
    });

    it("413 from a reverse proxy's HTML page: too-large as well, not a stall or a network error", async () => {
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy-nginx-413' });
      const events = record(el);
      await uploadAll(el, [makeFile('huge.bin', 2 * 1024 * 1024).file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.status, error?.retryable]).to.deep.equal(['too-large', 413, false]);
      expect(error?.message).to.equal('"huge.bin" is too large for this server.');
    });

    it('415: wrong-type; an allowed type goes through', async () => {
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy-types', multiple: true });
      const events = record(el);
      await uploadAll(el, [makeFile('data.bin', 100, 'application/octet-stream').file, makeFile('pic.png', 100, 'image/png').file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.status, error?.endpointCode, error?.retryable]).to.deep.equal(['wrong-type', 415, 'ContentTypeNotAllowed', false]);
      expect(error?.message).to.contain('"application/octet-stream" is not allowed');
      expect(details(events, 'oss-upload-success').map((s) => s.key.split('/').pop())).to.deep.equal(['pic.png']);
    });

    it("502 OssError: oss-error with OSS's code, request id and status, retryable", async () => {
      await setFaults({ seed: 5, failures: [{ op: 'PutObject', rate: 1, kind: 'error' }] });
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy', retries: '0' });
      const events = record(el);
      await uploadAll(el, [makeFile('unlucky.txt', 100, 'text/plain').file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.ossCode, error?.status, error?.endpointCode, error?.retryable])
        .to.deep.equal(['oss-error', 'InternalError', 500, 'OssError', true]);
      expect(error?.requestId).to.match(/^[0-9A-F]{24}$/);
      expect(error?.message).to.contain('The upload server could not store the file: OSS refused the upload (HTTP 500 InternalError)');
    });
  });

  describe('the connection', () => {
    it('a server that cannot be reached: network, retryable', async () => {
      const el = await mount({ strategy: 'proxy', endpoint: 'http://127.0.0.1:9/upload', retries: '0' });
      const events = record(el);
      await uploadAll(el, [makeFile('nowhere.txt', 10, 'text/plain').file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.retryable]).to.deep.equal(['network', true]);
      expect(error?.message).to.equal('The connection to the upload server (127.0.0.1:9) failed.');
    });

    it('no progress for stall-timeout ms (the server stuck behind a crawling OSS) counts as a dropped connection', async () => {
      // 20 kB/s into the emulator: a 1 MiB part takes a minute, the proxy's buffers fill, then its
      // backpressure stops the page. (Slower, and a chunk already paced would still wait long after the reset.)
      await setFaults({ bandwidth: 20_000 });
      const el = await mount({ strategy: 'proxy', endpoint: '/proxy', 'stall-timeout': '1000', retries: '0' });
      const events = record(el);
      const started = performance.now();
      await uploadAll(el, [makeFile('stuck.bin', 32 * 1024 * 1024).file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.retryable]).to.deep.equal(['network', true]);
      expect(error?.message).to.contain('made no progress for 1 s');
      expect(performance.now() - started).to.be.below(20_000);
      await setFaults({});
      // The server saw the page go away: it aborts its multipart upload once the parts in flight land.
      await until('the multipart upload to be aborted', async () => !(await openUploads()).some((u) => u.key.endsWith('/stuck.bin')), 30_000);
    });
  });

  describe('answers, unit', () => {
    it('maps statuses and codes as the strategy documents', () => {
      const j = (o: object) => JSON.stringify(o);
      expect(proxyError(503, j({ code: 'CredentialsUnavailable', message: 'x' })).toJSON()).to.include({ code: 'credentials-server-error', retryable: true, endpointCode: 'CredentialsUnavailable' });
      expect(proxyError(502, j({ code: 'OssUnreachable', message: 'x' })).toJSON()).to.include({ code: 'credentials-server-error', retryable: true });
      expect(proxyError(502, j({ code: 'OssError', ossCode: 'AccessDenied', ossStatus: 403 })).toJSON()).to.include({ code: 'oss-error', status: 403, retryable: false });
      expect(proxyError(400, j({ code: 'MissingFile', message: 'x' })).toJSON()).to.include({ code: 'credentials-refused', retryable: false });
      expect(proxyError(403, '').toJSON()).to.include({ code: 'credentials-unauthorized', retryable: false });
      expect(proxyError(500, '<html>').toJSON()).to.include({ code: 'credentials-server-error', retryable: true });
      expect(parseProxyResult(j({ key: 'a/b', url: 'http://x/a/b', etag: '"E"', bucket: 'bk', size: 1 }))).to.deep.equal({ key: 'a/b', url: 'http://x/a/b', etag: '"E"', bucket: 'bk' });
      expect(parseProxyResult(j({ key: 'a/b' }))).to.deep.equal({ key: 'a/b', url: '', bucket: '' });
      expect(() => parseProxyResult('<html>')).to.throw().with.property('code', 'credentials-invalid');
    });
  });
});
