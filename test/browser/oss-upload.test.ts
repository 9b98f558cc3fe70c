// <oss-upload> with the signed-policy strategy, in Chromium, against the emulator over HTTP,
// with the sign endpoints of test/browser/servers.mjs on the page's own origin.
import { expect } from '@open-wc/testing';
import { crc64 } from '../../src/signing/crc64.js';
import { SignedPolicyStrategy } from '../../src/strategies/signed-policy.js';
import type { OssUpload } from '../../src/oss-upload.js';
import {
  cleanup, clearEmulatorRequests, details, emulatorRequests, env, errorsOf, makeFile, mount, next, objects, record,
  resetSignCalls, setFaults, signCalls, stored, uploadAll, type Recorded,
} from './support.js';

/** Progress of one file: monotonic, ends at loaded === total. */
function checkProgress(events: Recorded[], id: string, size: number): void {
  const progress = details(events, 'oss-upload-progress').filter((p) => p.file.id === id);
  expect(progress.length, 'progress events').to.be.greaterThan(0);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!.loaded).to.be.greaterThan(progress[i - 1]!.loaded);
  const last = progress.at(-1)!;
  expect(last.loaded).to.equal(size);
  expect(last.total).to.equal(size);
  expect(last.percent).to.equal(100);
}

describe('<oss-upload> signed-policy', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  describe('uploads', () => {
    it('one small file: success detail, stored bytes, progress', async () => {
      const el = await mount({ endpoint: '/sign' });
      const events = record(el);
      const { file, bytes } = makeFile('hello.txt', 1234, 'text/plain');
      await uploadAll(el, [file]);
      const [success] = details(events, 'oss-upload-success');
      expect(success, errorsOf(events)).to.exist;
      expect(success!.key).to.match(/^uploads\/[0-9a-z]{26}\/hello\.txt$/);
      expect(success!.bucket).to.equal(env.bucket);
      expect(success!.url).to.equal(`${env.emulatorUrl}/${env.bucket}/${success!.key}`);
      expect(success!.etag).to.match(/^"[0-9A-F]{32}"$/);
      expect(success!.requestId).to.match(/^[0-9A-F]{24}$/);
      expect(success!.strategy).to.equal('signed-policy');
      expect(events.map((e) => e.type).filter((t) => t !== 'oss-upload-progress')).to.deep.equal([
        'oss-upload-select', 'oss-upload-before', 'oss-upload-start', 'oss-upload-success', 'oss-upload-complete',
      ]);
      checkProgress(events, success!.file.id, bytes.length);
      const object = await stored(success!.key);
      expect(object?.size).to.equal(bytes.length);
      expect(object?.crc64).to.equal(crc64(bytes).toString());
      expect(object?.contentType).to.equal('text/plain');
      const [complete] = details(events, 'oss-upload-complete');
      expect(complete!.successful.map((f) => f.id)).to.deep.equal([success!.file.id]);
      expect(complete!.failed).to.deep.equal([]);
      expect(el.files[0]!.status).to.equal('success');
      expect(el.files[0]!.url).to.equal(success!.url);
    });

    it('one of 20 MiB: the bytes stored equal the bytes sent', async () => {
      const el = await mount({ endpoint: '/sign' });
      const events = record(el);
      const { file, bytes } = makeFile('big.bin', 20 * 1024 * 1024);
      await uploadAll(el, [file]);
      const [success] = details(events, 'oss-upload-success');
      expect(success, errorsOf(events)).to.exist;
      checkProgress(events, success!.file.id, bytes.length);
      const object = await stored(success!.key);
      expect(object?.size).to.equal(bytes.length);
      expect(object?.crc64).to.equal(crc64(bytes).toString());
    });

    it('five at once with concurrency="2": never more than two in flight, one endpoint call for the batch', async () => {
      await resetSignCalls();
      await setFaults({ latencyMs: 150 }); // long enough for the uploads to overlap
      const el = await mount({ endpoint: '/sign', concurrency: '2', multiple: true });
      const events = record(el);
      let inFlight = 0;
      let most = 0;
      el.addEventListener('oss-upload-start', () => {
        inFlight++;
        most = Math.max(most, inFlight);
      });
      const finish = () => inFlight--;
      el.addEventListener('oss-upload-success', finish);
      el.addEventListener('oss-upload-error', finish);
      const files = Array.from({ length: 5 }, (_, i) => makeFile(`file-${i}.bin`, 64 * 1024 + i));
      await uploadAll(el, files.map((f) => f.file));
      expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(5);
      expect(most).to.equal(2);
      expect((await signCalls())['/sign']).to.equal(1);
      for (const [i, success] of details(events, 'oss-upload-success').entries()) {
        const sent = files.find((f) => f.file.name === success.file.name)!;
        const object = await stored(success.key);
        expect(object?.crc64, `file ${i}`).to.equal(crc64(sent.bytes).toString());
      }
      const batch = details(events, 'oss-upload-progress').at(-1)!.batch;
      expect(batch.files).to.equal(5);
      expect(batch.loaded).to.equal(batch.total);
      expect(batch.total).to.equal(files.reduce((n, f) => n + f.bytes.length, 0));
    });

    it("Alibaba's sample (V1) endpoint format works as well as V4", async () => {
      const el = await mount({ endpoint: '/sign-v1' });
      const events = record(el);
      const { file, bytes } = makeFile('v1.txt', 4321, 'text/plain');
      await uploadAll(el, [file]);
      const [success] = details(events, 'oss-upload-success');
      expect(success, errorsOf(events)).to.exist;
      expect(success!.bucket).to.equal(env.bucket);
      expect((await stored(success!.key))?.crc64).to.equal(crc64(bytes).toString());
    });

    it('a folder proposed with upload-dir that the server allows becomes part of the key', async () => {
      const el = await mount({ endpoint: '/sign', 'upload-dir': 'images' });
      const events = record(el);
      await uploadAll(el, [makeFile('cat.png', 100, 'image/png').file]);
      expect(details(events, 'oss-upload-success')[0]?.key, errorsOf(events)).to.match(/^uploads\/images\/[0-9a-z]{26}\/cat\.png$/);
    });

    it('reuses a policy valid for more than a minute across batches, not one valid for less', async () => {
      await resetSignCalls();
      const el = await mount({ endpoint: '/sign' });
      const short = await mount({ endpoint: '/sign-short' });
      for (let i = 0; i < 2; i++) {
        await uploadAll(el, [makeFile(`a${i}.txt`, 10).file]);
        await uploadAll(short, [makeFile(`b${i}.txt`, 10).file]);
      }
      const calls = await signCalls();
      expect(calls['/sign']).to.equal(1);
      expect(calls['/sign-short']).to.equal(2);
    });

    it('files starting together share one endpoint request even when the policy is too short to keep', async () => {
      await resetSignCalls();
      const el = await mount({ endpoint: '/sign-short', multiple: true });
      const events = record(el);
      await uploadAll(el, [1, 2, 3].map((i) => makeFile(`s${i}.txt`, 10).file));
      expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(3);
      expect((await signCalls())['/sign-short']).to.equal(1);
      await uploadAll(el, [makeFile('s4.txt', 10).file]);
      expect((await signCalls())['/sign-short']).to.equal(2);
    });

    it("returns the app server's callback answer in the success detail", async () => {
      const el = await mount({ endpoint: '/sign-callback' });
      const events = record(el);
      await uploadAll(el, [makeFile('cb.txt', 50, 'text/plain').file]);
      const [success] = details(events, 'oss-upload-success');
      expect(success, errorsOf(events)).to.exist;
      const callback = success!.callback as { ok: boolean; received: { object: string; size: number } };
      expect(callback.ok).to.equal(true);
      expect(callback.received.object).to.equal(success!.key);
      expect(callback.received.size).to.equal(50);
    });

    it('file names with spaces, Unicode, #, ?, % and ../ give safe keys and correct URLs', async () => {
      const el = await mount({ endpoint: '/sign', multiple: true });
      const events = record(el);
      const names = ['my photo #1?.jpg', 'résumé 100%.pdf', '../../etc/passwd', '文件 名.txt', '..'];
      await uploadAll(el, names.map((n) => makeFile(n, 20).file));
      const successes = details(events, 'oss-upload-success');
      expect(successes, errorsOf(events)).to.have.length(names.length);
      const keys = successes.map((s) => s.key.replace(/^uploads\/[0-9a-z]{26}\//, ''));
      expect(keys).to.have.members(['my photo #1?.jpg', 'résumé 100%.pdf', '.._.._etc_passwd', '文件 名.txt', '_']);
      for (const s of successes) {
        expect(s.key.startsWith('uploads/')).to.equal(true);
        expect(s.key.split('/')).to.not.include('..');
        expect(await stored(s.key), s.key).to.exist;
        const url = new URL(s.url);
        expect(url.search).to.equal('');
        expect(url.hash).to.equal('');
        expect(decodeURIComponent(url.pathname)).to.equal(`/${env.bucket}/${s.key}`);
      }
    });
  });

  describe('abort', () => {
    it('in the middle gives oss-upload-abort and no object', async () => {
      await setFaults({ bandwidth: 2 * 1024 * 1024 });
      await clearEmulatorRequests();
      const el = await mount({ endpoint: '/sign' });
      const events = record(el);
      // Larger than the socket buffers, which take several MiB at once: when the first progress
      // comes, most of the file is still in the page (once all of it has left, abort() waits for
      // OSS's answer instead: see abort-outcomes.test.ts).
      const { file } = makeFile('slow.bin', 24 * 1024 * 1024);
      const [id] = await el.addFiles([file]);
      await next(el, 'oss-upload-progress');
      const aborted = next(el, 'oss-upload-abort');
      el.abort(id);
      expect((await aborted).detail.file.id).to.equal(id);
      await next(el, 'oss-upload-complete');
      expect(details(events, 'oss-upload-error')).to.deep.equal([]);
      expect(details(events, 'oss-upload-success')).to.deep.equal([]);
      expect(el.files[0]!.status).to.equal('aborted');
      const key = details(events, 'oss-upload-start')[0]!.file.key!;
      await new Promise((r) => setTimeout(r, 300)); // let the emulator notice the hang-up
      expect((await objects('uploads/')).filter((o) => o.key.endsWith(key))).to.deep.equal([]);
    });
  });

  describe('refusals', () => {
    it('an expired policy: credentials-expired (OSS\'s AccessDenied), after one fresh policy was tried', async () => {
      await resetSignCalls();
      const el = await mount({ endpoint: '/sign-expired', retries: '1', 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile('late.txt', 10).file]);
      const [error] = details(events, 'oss-upload-error');
      expect(error?.code).to.equal('credentials-expired');
      expect(error?.ossCode).to.equal('AccessDenied');
      expect(error?.status).to.equal(403);
      expect(error?.requestId).to.match(/^[0-9A-F]{24}$/);
      expect(error?.message).to.contain('expired');
      expect(details(events, 'oss-upload-retry').map((r) => r.operation)).to.deep.equal(['PostObject']); // the fresh policy's try
      expect((await signCalls())['/sign-expired']).to.equal(2); // the refused policy was not reused
    });

    it('a prefix the server refuses: dir-not-allowed from the endpoint, before any byte', async () => {
      await clearEmulatorRequests();
      const el = await mount({ endpoint: '/sign', 'upload-dir': 'secret' });
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      const [error] = details(events, 'oss-upload-error');
      expect(error?.code).to.equal('dir-not-allowed');
      expect(error?.status).to.equal(403);
      expect(error?.endpointCode).to.equal('DirNotAllowed');
      expect(error?.retryable).to.equal(false);
      expect((await emulatorRequests()).filter((r) => r.op === 'PostObject')).to.deep.equal([]);
    });

    it('a key outside the signed prefix: OSS refuses with AccessDenied', async () => {
      const el = await mount({ endpoint: '/sign' });
      // The page tampers with the answer: the policy still pins starts-with $key uploads/.
      el.fetchCredentials = async (request) => {
        const res = await fetch(`/sign?name=${encodeURIComponent(request.name)}&size=${request.size}`);
        return { ...(await res.json() as object), dir: 'elsewhere/' };
      };
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      const [error] = details(events, 'oss-upload-error');
      expect(error?.code).to.equal('oss-error');
      expect(error?.ossCode).to.equal('AccessDenied');
      expect(error?.status).to.equal(403);
      expect(error?.message).to.contain('starts-with');
      expect(error?.retryable).to.equal(false);
    });

    it('a file outside the size range: refused by the endpoint, and by OSS when only the policy knows', async () => {
      const byServer = await mount({ endpoint: '/sign-limits', multiple: true });
      const a = record(byServer);
      await uploadAll(byServer, [makeFile('big.txt', 2048, 'text/plain').file, makeFile('tiny.txt', 5, 'text/plain').file]);
      const serverErrors = details(a, 'oss-upload-error');
      expect(serverErrors.map((e) => [e.file.name, e.code, e.status, e.endpointCode])).to.have.deep.members([
        ['big.txt', 'too-large', 413, 'FileTooLarge'],
        ['tiny.txt', 'too-small', 400, 'FileTooSmall'],
      ]);

      const byOss = await mount({ endpoint: '/sign-lenient', multiple: true });
      const b = record(byOss);
      await uploadAll(byOss, [makeFile('big.txt', 2048, 'text/plain').file, makeFile('tiny.txt', 5, 'text/plain').file]);
      expect(details(b, 'oss-upload-error').map((e) => [e.file.name, e.code, e.status, e.ossCode, e.retryable])).to.have.deep.members([
        ['big.txt', 'oss-error', 400, 'EntityTooLarge', false],
        ['tiny.txt', 'oss-error', 400, 'EntityTooSmall', false],
      ]);
    });

    it('a content type outside the list: refused by the endpoint, and by OSS when only the policy knows', async () => {
      const byServer = await mount({ endpoint: '/sign-limits' });
      const a = record(byServer);
      await uploadAll(byServer, [makeFile('data.json', 100, 'application/json').file]);
      const [serverError] = details(a, 'oss-upload-error');
      expect([serverError?.code, serverError?.status, serverError?.endpointCode]).to.deep.equal(['wrong-type', 415, 'ContentTypeNotAllowed']);

      const byOss = await mount({ endpoint: '/sign-lenient' });
      const b = record(byOss);
      await uploadAll(byOss, [makeFile('data.json', 100, 'application/json').file]);
      const [ossError] = details(b, 'oss-upload-error');
      expect([ossError?.code, ossError?.status, ossError?.ossCode]).to.deep.equal(['oss-error', 403, 'AccessDenied']);
      expect(ossError?.message).to.contain('$content-type');
    });

    it('a file over 5 GB fails before any byte, saying to use sts', async () => {
      await clearEmulatorRequests();
      await resetSignCalls();
      const huge = new File(['x'], 'disk.img');
      Object.defineProperty(huge, 'size', { value: 6 * 1024 ** 3 });
      const el = await mount({ endpoint: '/sign' });
      const events = record(el);
      await el.addFiles([huge]);
      const [rejected] = details(events, 'oss-upload-reject');
      expect(rejected?.files[0]?.code).to.equal('too-large-for-strategy');
      expect(rejected?.files[0]?.message).to.contain('sts');
      // The strategy itself refuses too, whoever calls it.
      const strategy = new SignedPolicyStrategy({ credentials: () => ({ endpoint: '/sign' }) });
      let code = '';
      try {
        await strategy.upload(huge, { key: 'k', meta: {}, contentType: 'application/octet-stream', signal: new AbortController().signal, onProgress: () => {} });
      } catch (error) {
        code = (error as { code: string }).code;
      }
      expect(code).to.equal('too-large-for-strategy');
      expect(await signCalls()).to.deep.equal({});
      expect((await emulatorRequests()).filter((r) => r.op === 'PostObject')).to.deep.equal([]);
    });
  });

  describe('the credential endpoint failing', () => {
    it('down: credentials-network, retried, then the error', async () => {
      const el = await mount({ endpoint: 'http://127.0.0.1:9/sign', retries: '1', 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      const [error] = details(events, 'oss-upload-error');
      expect(error?.code).to.equal('credentials-network');
      expect(error?.retryable).to.equal(true);
      expect(error?.message).to.contain('could not be reached');
      expect(details(events, 'oss-upload-retry')).to.have.length(1);
    });

    it('answering 401: credentials-unauthorized, not retried; requestHeaders fixes it', async () => {
      const el = await mount({ endpoint: '/sign-auth', 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.status, error?.endpointCode, error?.retryable]).to.deep.equal(['credentials-unauthorized', 401, 'Unauthorized', false]);
      expect(error?.message).to.contain('Sign in first.');
      expect(details(events, 'oss-upload-retry')).to.deep.equal([]);

      el.requestHeaders = { Authorization: 'Bearer let-me-in' };
      await uploadAll(el, [makeFile('y.txt', 10).file]);
      el.requestHeaders = async () => ({ Authorization: 'Bearer let-me-in' });
      await uploadAll(el, [makeFile('z.txt', 10).file]);
      expect(details(events, 'oss-upload-success').map((s) => s.file.name)).to.deep.equal(['y.txt', 'z.txt']);

      el.requestHeaders = async () => {
        throw new Error('no token');
      };
      await uploadAll(el, [makeFile('t.txt', 10).file]);
      expect(details(events, 'oss-upload-error').at(-1)).to.include({ code: 'credentials-unauthorized', message: 'requestHeaders failed: no token' });
    });

    it("sends the page's cookies to a same-origin endpoint; with-credentials asks fetch to include them cross-origin", async () => {
      document.cookie = 'session=ok; path=/';
      try {
        const el = await mount({ endpoint: '/sign-cookie' });
        const events = record(el);
        await uploadAll(el, [makeFile('c.txt', 10).file]);
        expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(1);
      } finally {
        document.cookie = 'session=; path=/; max-age=0';
      }
      const seen: Array<RequestCredentials | undefined> = [];
      const realFetch = window.fetch;
      window.fetch = (input, init) => {
        seen.push(init?.credentials);
        return realFetch(input, init);
      };
      try {
        for (const withCredentials of [false, true]) {
          const el = await mount({ endpoint: '/sign', 'with-credentials': withCredentials });
          await uploadAll(el, [makeFile('w.txt', 10).file]);
        }
      } finally {
        window.fetch = realFetch;
      }
      expect(seen).to.deep.equal(['same-origin', 'include']);
    });

    it('answering malformed JSON or HTML: credentials-invalid', async () => {
      for (const endpoint of ['/sign-garbage', '/sign-html']) {
        const el = await mount({ endpoint });
        const events = record(el);
        await uploadAll(el, [makeFile('x.txt', 10).file]);
        const [error] = details(events, 'oss-upload-error');
        expect(error?.code, endpoint).to.equal('credentials-invalid');
        expect(error?.retryable).to.equal(false);
        expect(error?.message).to.contain('not JSON');
      }
      const el = await mount({ endpoint: '/sign' });
      el.fetchCredentials = async () => ({ host: 'http://127.0.0.1/' });
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      expect(details(events, 'oss-upload-error')[0]?.code).to.equal('credentials-invalid');
    });

    it('answering 503 once: retried, then the upload succeeds', async () => {
      await resetSignCalls();
      const el = await mount({ endpoint: '/sign-flaky', 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile('x.txt', 10).file]);
      expect(details(events, 'oss-upload-retry')[0]?.error?.code).to.equal('credentials-server-error');
      expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(1);
    });
  });

  describe('retries', () => {
    it('injected 500s are retried with backoff, then the upload succeeds', async () => {
      await clearEmulatorRequests();
      await setFaults({ seed: 7, failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 2 }] });
      const el = await mount({ endpoint: '/sign', 'retry-delay': '20' });
      const events = record(el);
      const { file, bytes } = makeFile('flaky.bin', 200 * 1024);
      // The jitter held at the top of its range, so that the delays are exact (free, a schedule
      // that does not grow passed now and then: 20 is in both ranges).
      const random = Math.random;
      Math.random = () => 0.999999;
      try {
        await uploadAll(el, [file]);
      } finally {
        Math.random = random;
      }
      const retries = details(events, 'oss-upload-retry');
      expect(retries.map((r) => [r.attempt, r.manual, r.error?.code, r.error?.ossCode, r.error?.status])).to.deep.equal([
        [2, false, 'oss-error', 'InternalError', 500],
        [3, false, 'oss-error', 'InternalError', 500],
      ]);
      // Exponential with equal jitter: half of 20 ms plus up to half again, then of 40 ms.
      expect(retries.map((r) => r.delay)).to.deep.equal([20, 40]);
      const [success] = details(events, 'oss-upload-success');
      expect(success, errorsOf(events)).to.exist;
      checkProgress(events, success!.file.id, bytes.length);
      expect((await stored(success!.key))?.crc64).to.equal(crc64(bytes).toString());
      const posts = (await emulatorRequests()).filter((r) => r.op === 'PostObject');
      expect(posts.map((r) => r.fault ?? r.status)).to.deep.equal(['error', 'error', 200]);
    });

    it('a dropped connection is retried too', async () => {
      // Chromium silently resends a POST whose reused connection closes: drop often enough to be seen.
      await clearEmulatorRequests();
      await setFaults({ seed: 1, failures: [{ op: 'PostObject', rate: 1, kind: 'drop', count: 6 }] });
      const el = await mount({ endpoint: '/sign', retries: '6', 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile('drop.bin', 1000).file]);
      expect(details(events, 'oss-upload-retry')[0]?.error?.code).to.equal('network');
      expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(1);
    });

    it('a transfer that makes no progress for stall-timeout ms counts as a dropped connection', async () => {
      await setFaults({ bandwidth: 2000 }); // 2 KB/s: the socket buffers fill, then nothing moves
      const el = await mount({ endpoint: '/sign', 'stall-timeout': '800', retries: '0' });
      const events = record(el);
      const started = performance.now();
      await uploadAll(el, [makeFile('stuck.bin', 8 * 1024 * 1024).file]);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.retryable]).to.deep.equal(['network', true]);
      expect(error?.message).to.contain('no progress for 0.8 s');
      expect(performance.now() - started).to.be.below(10_000);
    });

    it('gives up after `retries` attempts with the last error', async () => {
      await setFaults({ seed: 3, failures: [{ op: 'PostObject', rate: 1, kind: 'error' }] });
      const el = await mount({ endpoint: '/sign', retries: '2', 'retry-delay': '5' });
      const events = record(el);
      await uploadAll(el, [makeFile('never.bin', 1000).file]);
      expect(details(events, 'oss-upload-retry')).to.have.length(2);
      const [error] = details(events, 'oss-upload-error');
      expect([error?.code, error?.ossCode, error?.retryable, error?.file.attempt]).to.deep.equal(['oss-error', 'InternalError', true, 3]);
    });
  });
});
