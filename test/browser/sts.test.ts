// The sts strategy through its own API (StsStrategy.upload), in Chromium, against the emulator
// over HTTP, with the sts endpoints of test/browser/sts-servers.mjs (oss-upload/server's
// createStsHandler calling the emulator's /_sts) on the page's own origin.
import { expect } from '@open-wc/testing';
import '../../src/ali-oss.js'; // registers engine "ali-oss", as oss-upload/ali-oss does in an app
import { crc64 } from '../../src/signing/crc64.js';
import { StsStrategy, parseStsCredentials, refreshTime, type StsSettings } from '../../src/strategies/sts.js';
import { MAX_MULTIPART_SIZE, MAX_PARTS, Parallelism, minimumPartSize, nextPartSize, planParts } from '../../src/strategies/multipart/plan.js';
import { bucketUrl } from '../../src/strategies/multipart/http.js';
import type { UploadResult } from '../../src/strategies/types.js';
import type { UploadError } from '../../src/errors.js';
import {
  about, cleanup, clearEmulatorRequests, details, emulatorRequests, env, eventually, makeFile, mount, next, openUploads, record, setFaults, settled,
  stored, type LoggedRequest,
} from './support.js';

const MiB = 1024 * 1024;

// Room for every request of the file (the default 250 would drop the late ones): the ali-oss test
// reads this to tell whether ali-oss's bundle was downloaded, and when.
performance.setResourceTimingBufferSize(100_000);

type Logged = LoggedRequest;

async function log(base = env.emulatorUrl): Promise<Logged[]> {
  // The emulator logs its own /_sts and /_emulator/* requests as op `Unknown`: only OSS operations count.
  return (await emulatorRequests(base)).filter((r) => r.op !== 'Unknown');
}

async function stsCalls(): Promise<Record<string, number>> {
  return await (await fetch('/__sts-calls', { cache: 'no-store' })).json() as Record<string, number>;
}

async function resetStsCalls(): Promise<void> {
  await fetch('/__sts-calls', { method: 'DELETE' });
}

function strategy(endpoint: string, settings: StsSettings & { fetchCredentials?: () => Promise<unknown> } = {}): StsStrategy {
  const { fetchCredentials, ...rest } = settings;
  return new StsStrategy({ credentials: () => ({ endpoint, ...(fetchCredentials ? { fetchCredentials } : {}) }), ...rest });
}

interface Run {
  promise: Promise<UploadResult>;
  progress: number[];
  controller: AbortController;
  /** The key asked for, unique to the run; the object's key is it under the granted dir. */
  key: string;
}

function start(s: StsStrategy, file: File, key = `${crypto.randomUUID()}/${file.name}`): Run {
  const progress: number[] = [];
  const controller = new AbortController();
  const promise = s.upload(file, {
    key, meta: { origin: 'sts-test' }, contentType: file.type || 'application/octet-stream', signal: controller.signal,
    onProgress: (loaded) => progress.push(loaded),
  });
  return { promise, progress, controller, key };
}

async function failure(promise: Promise<unknown>): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    return error as UploadError;
  }
  throw new Error('expected the upload to fail, and it succeeded');
}

function checkProgress(progress: number[], size: number): void {
  expect(progress.length).to.be.greaterThan(0);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!, `progress[${i}]`).to.be.at.least(progress[i - 1]!);
  expect(Math.max(...progress)).to.equal(size);
  expect(progress.at(-1)).to.equal(size);
}

/** Resolves once `progress` has passed `bytes`. */
async function until(progress: number[], bytes: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while ((progress.at(-1) ?? 0) < bytes) {
    if (Date.now() > end) throw new Error(`progress stayed at ${progress.at(-1) ?? 0}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const successfulParts = (entries: Logged[], key: string) =>
  entries.filter((r) => r.op === 'UploadPart' && r.key === key && r.status === 200).map((r) => r.partNumber!).sort((a, b) => a - b);

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('sts strategy', () => {
  afterEach(async () => {
    await setFaults({});
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('uploads 64 MiB in parts: bytes equal, progress monotonic, each part once', async () => {
    await clearEmulatorRequests();
    await resetStsCalls();
    const s = strategy('/sts');
    const { file, bytes } = makeFile('big.bin', 64 * MiB);
    const run = start(s, file);
    const result = await run.promise;
    expect(result.key).to.match(/^uploads\/[0-9a-f-]+\/big\.bin$/);
    expect(result.bucket).to.equal(env.bucket);
    expect(result.url).to.equal(`${env.ossEndpoint}/${env.bucket}/${result.key}`);
    expect(result.etag).to.match(/^"[0-9A-F]{32}-\d+"$/);
    const object = await stored(result.key);
    expect(object?.size).to.equal(bytes.length);
    expect(object?.crc64).to.equal(crc64(bytes).toString());
    expect(object?.contentType).to.equal('application/octet-stream');
    expect(object?.userMeta).to.deep.equal({ 'x-oss-meta-origin': 'sts-test' });
    checkProgress(run.progress, bytes.length);
    const entries = await log();
    const parts = successfulParts(entries, result.key);
    expect(parts.length).to.be.greaterThan(1);
    expect(parts.length).to.be.at.most(8); // 8 MiB parts at first, larger ones once the link proves fast
    expect(parts).to.deep.equal(range(parts.length)); // each part exactly once
    expect(entries.filter((r) => r.op === 'InitiateMultipartUpload').length).to.equal(1);
    expect(entries.filter((r) => r.op === 'CompleteMultipartUpload').map((r) => r.status)).to.deep.equal([200]);
    expect((await stsCalls())['/sts']).to.equal(1);
    expect(await openUploads(result.key)).to.deep.equal([]);
  });

  it('a small file goes as one PutObject', async () => {
    await clearEmulatorRequests();
    const { file, bytes } = makeFile('small.txt', 3000, 'text/plain');
    const run = start(strategy('/sts'), file);
    const result = await run.promise;
    const object = await stored(result.key);
    expect([object?.size, object?.crc64, object?.contentType]).to.deep.equal([bytes.length, crc64(bytes).toString(), 'text/plain']);
    expect(about(await log(), result.key).map((r) => r.op)).to.deep.equal(['PutObject']);
    checkProgress(run.progress, bytes.length);
  });

  it('credentials are fetched once for all files of the element', async () => {
    await resetStsCalls();
    const s = strategy('/sts', { putThreshold: 1 * MiB, partSize: 1 * MiB });
    const files = [makeFile('a.bin', 3 * MiB).file, makeFile('b.bin', 10).file, makeFile('c.bin', 2 * MiB + 5).file];
    const results = await Promise.all(files.map((f) => start(s, f).promise));
    for (const [i, r] of results.entries()) expect((await stored(r.key))?.size).to.equal(files[i]!.size);
    expect(await stsCalls()).to.deep.equal({ '/sts': 1 });
  });

  it('a page clock ahead of STS (expiration already past on arrival) does not fetch per request', async () => {
    let calls = 0;
    const s = strategy('/sts', {
      fetchCredentials: async () => {
        calls++;
        return { ...(await (await fetch('/sts')).json() as object), expiration: new Date(Date.now() - 3600_000).toISOString() };
      },
    });
    const results = await Promise.all([start(s, makeFile('a.bin', 9 * MiB).file).promise, start(s, makeFile('b.txt', 10).file).promise]);
    for (const r of results) expect(await stored(r.key)).to.exist;
    expect(calls).to.equal(1);
  });

  it('refreshes the token before it expires: one endpoint call per token, no part sent twice', async () => {
    await clearEmulatorRequests();
    await resetStsCalls();
    // 4-second tokens; 30 MiB in 1 MiB parts, 3 in flight, each read at 1 MiB/s: about 10 s.
    await setFaults({ bandwidth: 1 * MiB });
    const s = strategy('/sts-short', { partSize: 1 * MiB, parallel: 3 });
    const { file, bytes } = makeFile('long.bin', 30 * MiB);
    const run = start(s, file);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    const entries = (await log()).filter((r) => r.key === result.key);
    expect(entries.filter((r) => r.status === 403)).to.deep.equal([]);
    expect(successfulParts(entries, result.key)).to.deep.equal(range(30));
    expect(entries.filter((r) => r.op === 'UploadPart').length).to.equal(30);
    const tokens = new Set(entries.map((r) => r.accessKeyId).filter(Boolean));
    const calls = (await stsCalls())['/sts-short']!;
    expect(calls).to.be.at.least(3);
    expect(tokens.size).to.equal(calls);
  });

  it('refreshes once when OSS refuses an expired token, and sends again only the refused parts', async () => {
    await clearEmulatorRequests();
    await resetStsCalls();
    // The endpoint hides the expiration: only SecurityTokenExpired tells the strategy.
    await setFaults({ bandwidth: 1 * MiB });
    const s = strategy('/sts-hidden', { partSize: 1 * MiB, parallel: 3 });
    const { file, bytes } = makeFile('hidden.bin', 20 * MiB);
    const run = start(s, file);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    const entries = (await log()).filter((r) => r.key === result.key);
    const refused = entries.filter((r) => r.status === 403);
    expect(refused.length).to.be.greaterThan(0);
    expect(new Set(refused.map((r) => r.code))).to.deep.equal(new Set(['SecurityTokenExpired']));
    // Every part stored once; the refused ones were sent again, the stored ones never.
    expect(successfulParts(entries, result.key)).to.deep.equal(range(20));
    expect(entries.filter((r) => r.op === 'UploadPart').length).to.equal(20 + refused.filter((r) => r.op === 'UploadPart').length);
    // One endpoint call per token, however many parts hit the expired one.
    const calls = (await stsCalls())['/sts-hidden']!;
    expect(calls).to.be.at.least(2);
    // (A refused request has no accessKeyId in the log: it was not authenticated.)
    expect(new Set(entries.map((r) => r.accessKeyId).filter(Boolean)).size).to.equal(calls);
  });

  it('retries injected part failures (errors and dropped connections) alone; the object is byte-exact', async () => {
    await clearEmulatorRequests();
    await setFaults({
      seed: 11,
      failures: [{ op: 'UploadPart', rate: 1, kind: 'error', count: 4 }, { op: 'UploadPart', rate: 1, kind: 'drop', count: 2 }],
    });
    const s = strategy('/sts', { partSize: 1 * MiB, parallel: 4, partRetryDelay: 20 });
    const { file, bytes } = makeFile('flaky.bin', 20 * MiB + 123);
    const run = start(s, file);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    const entries = (await log()).filter((r) => r.key === result.key && r.op === 'UploadPart');
    expect(entries.filter((r) => r.fault).length).to.equal(6);
    expect(successfulParts(entries, result.key)).to.deep.equal(range(21));
    expect(entries.length).to.equal(21 + 6);
  });

  it('gives up when a part has used up its retries, keeping the upload for the next attempt', async () => {
    await setFaults({ seed: 2, failures: [{ op: 'UploadPart', rate: 1, kind: 'error' }] });
    const s = strategy('/sts', { partSize: 1 * MiB, partRetries: 2, partRetryDelay: 5 });
    const { file, bytes } = makeFile('never.bin', 9 * MiB);
    const key = `${crypto.randomUUID()}/never.bin`;
    const error = await failure(start(s, file, key).promise);
    expect([error.code, error.ossCode, error.status, error.retryable]).to.deep.equal(['oss-error', 'InternalError', 500, true]);
    expect(await openUploads(key)).to.have.length(1);
    // The controller's retry (same strategy, same file) continues the same upload.
    await setFaults({});
    await clearEmulatorRequests();
    const result = await start(s, file, key).promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    expect(about(await log(), key).filter((r) => r.op === 'InitiateMultipartUpload')).to.deep.equal([]);
    expect(await openUploads(key)).to.deep.equal([]);
  });

  it('pause stops sending parts and keeps the upload; resume continues from the parts done', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const s = strategy('/sts', { partSize: 1 * MiB, parallel: 2 });
    const { file, bytes } = makeFile('pause.bin', 12 * MiB);
    const run = start(s, file);
    await until(run.progress, 3 * MiB);
    expect(s.pause(file)).to.equal(true);
    expect(s.isPaused(file)).to.equal(true);
    await settled(run.key); // the parts in flight were cut (or had arrived whole)
    await clearEmulatorRequests();
    const before = run.progress.at(-1)!;
    // Paused is an absence: a second with the link free, in which a running upload sends 2 MiB.
    await new Promise((r) => setTimeout(r, 1000));
    expect(about(await log(), run.key).filter((r) => r.op === 'UploadPart')).to.deep.equal([]);
    expect(run.progress.at(-1)).to.equal(before);
    const [upload] = await openUploads(run.key);
    expect(upload).to.exist;
    const storedBefore = upload!.parts.map((p) => p.partNumber);
    expect(storedBefore.length).to.be.greaterThan(0);
    expect(s.resume(file)).to.equal(true);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    // After resume, the parts OSS did not have were sent; of those it had, only ones in flight at
    // the pause (cut by the client after their last byte left, so stored all the same) may go again.
    const sent = successfulParts(await log(), result.key);
    expect([...new Set([...storedBefore, ...sent])].sort((a, b) => a - b)).to.deep.equal(range(12));
    expect(sent.filter((n) => storedBefore.includes(n)).length, `stored ${storedBefore}, sent after resume ${sent}`).to.be.at.most(2);
  });

  it('resumes after a "reload": a new strategy and the same file send only the missing parts', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const { bytes } = makeFile('reload.bin', 12 * MiB);
    const lastModified = Date.now() - 60_000;
    const first = new File([bytes], 'reload.bin', { lastModified });
    const page1 = strategy('/sts', { partSize: 1 * MiB, parallel: 2 });
    const run1 = start(page1, first);
    await until(run1.progress, 5 * MiB);
    page1.pause(first); // the tab goes away: nothing is cleaned up
    // A part whose bytes had all left before the pause may still be stored: wait until every
    // request of this upload has its answer, so that what OSS holds is final.
    await settled(run1.key);
    await setFaults({});
    const [open] = await openUploads(run1.key);
    const before = open!.parts.map((p) => p.partNumber).sort((a, b) => a - b);
    expect(before.length).to.be.greaterThan(0);

    await clearEmulatorRequests();
    const again = new File([bytes], 'reload.bin', { lastModified }); // chosen again in the new page
    const page2 = strategy('/sts', { partSize: 1 * MiB, parallel: 2 });
    const run2 = start(page2, again); // a new key from the template: the checkpoint's key wins
    const result = await run2.promise;
    expect(result.key).to.equal(open!.key);
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    const entries = about(await log(), run1.key); // the checkpoint's key, not the new run's
    expect(entries.filter((r) => r.op === 'InitiateMultipartUpload')).to.deep.equal([]);
    expect(entries.filter((r) => r.op === 'ListParts').length).to.equal(1);
    const sent = successfulParts(entries, result.key);
    expect([...before, ...sent].sort((a, b) => a - b)).to.deep.equal(range(12));
    expect(entries.filter((r) => r.op === 'UploadPart').length).to.equal(sent.length);
    expect(run2.progress[0]).to.be.at.least(before.length * MiB); // progress starts at what was done
    expect(Object.keys(localStorage).filter((k) => k.startsWith('oss-upload:'))).to.deep.equal([]);
  });

  it('a stale checkpoint (its upload gone) starts a fresh upload', async () => {
    const { file, bytes } = makeFile('stale.bin', 10 * MiB);
    await setFaults({ bandwidth: 2 * MiB });
    const page1 = strategy('/sts', { partSize: 1 * MiB });
    const run1 = start(page1, file);
    await until(run1.progress, 2 * MiB);
    page1.pause(file);
    await setFaults({});
    // Someone aborted it on OSS meanwhile (a lifecycle rule, another tab).
    const [open] = await openUploads(run1.key);
    const c = await (await fetch('/sts')).json() as { accessKeyId: string; accessKeySecret: string; stsToken: string };
    const { signHeaderV4 } = await import('../../src/signing/index.js');
    const headers = await signHeaderV4({ method: 'DELETE', bucket: env.bucket, key: open!.key, query: { uploadId: open!.uploadId } },
      { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.stsToken }, env.region);
    expect((await fetch(`${env.ossEndpoint}/${env.bucket}/${open!.key}?uploadId=${open!.uploadId}`, { method: 'DELETE', headers })).status).to.equal(204);
    await clearEmulatorRequests();
    const run2 = start(strategy('/sts', { partSize: 1 * MiB }), file);
    const result = await run2.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    const ops = [...about(await log(), run1.key), ...about(await log(), run2.key)].map((r) => `${r.op}:${r.code ?? r.status}`);
    expect(ops).to.include('ListParts:NoSuchUpload');
    expect(ops).to.include('InitiateMultipartUpload:200');
  });

  it('abort aborts the multipart upload on OSS: nothing left open, no checkpoint', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    await clearEmulatorRequests();
    const s = strategy('/sts', { partSize: 1 * MiB });
    const { file } = makeFile('abort.bin', 12 * MiB);
    const run = start(s, file);
    await until(run.progress, 2 * MiB);
    run.controller.abort();
    const error = await failure(run.promise);
    expect(error.code).to.equal('aborted');
    expect(await openUploads(run.key)).to.deep.equal([]);
    expect(about(await log(), run.key).filter((r) => r.op === 'AbortMultipartUpload').map((r) => r.status)).to.deep.equal([204]);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('oss-upload:'))).to.deep.equal([]);
  });

  it('abort while paused: rejects at once and aborts the upload on OSS', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const s = strategy('/sts', { partSize: 1 * MiB });
    const { file } = makeFile('pause-abort.bin', 12 * MiB);
    const run = start(s, file);
    await until(run.progress, 2 * MiB);
    s.pause(file);
    await settled(run.key); // paused for good: nothing of it in flight
    run.controller.abort();
    expect((await failure(run.promise)).code).to.equal('aborted');
    await setFaults({});
    expect(await openUploads(run.key)).to.deep.equal([]);
  });

  it('a key outside the token\'s prefix: AccessDenied, with a clear error', async () => {
    const s = strategy('/sts', {
      // The page tampers with the answer: the token's policy still allows only uploads/.
      fetchCredentials: async () => ({ ...(await (await fetch('/sts')).json() as object), dir: 'elsewhere/' }),
    });
    for (const size of [100, 9 * MiB]) {
      const error = await failure(start(s, makeFile('x.bin', size).file).promise);
      expect([error.code, error.ossCode, error.status, error.retryable]).to.deep.equal(['oss-error', 'AccessDenied', 403, false]);
      expect(error.requestId).to.match(/^[0-9A-F]{24}$/);
      expect(error.message).to.contain('elsewhere/');
      expect(error.message).to.contain('prefix the server granted');
    }
  });

  it('long-term keys (no security token) are refused before any request, unless the page opts in', async () => {
    const refused = start(strategy('/sts-longterm'), makeFile('x.txt', 10).file);
    const error = await failure(refused.promise);
    expect([error.code, error.retryable]).to.deep.equal(['insecure-credentials', false]);
    expect(error.message).to.contain('security token');
    expect(about(await log(), refused.key)).to.deep.equal([]);
    const result = await start(strategy('/sts-longterm', { insecureAllowLongTermKeys: true }), makeFile('y.txt', 10).file).promise;
    expect(await stored(result.key)).to.exist;
  });

  it('raw STS Credentials, with bucket and region from the page', async () => {
    const s = strategy('/sts-raw', { bucket: env.bucket, region: `oss-${env.region}`, ossEndpoint: env.ossEndpoint });
    const { file, bytes } = makeFile('raw.bin', 9 * MiB);
    // The raw shape has no dir: the page's key must itself be under the prefix the token allows.
    const key = `uploads/${crypto.randomUUID()}/raw.bin`;
    const result = await start(s, file, key).promise;
    expect(result.key).to.equal(key);
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    const missing = await failure(start(strategy('/sts-raw'), makeFile('z.bin', 10).file).promise);
    expect(missing.code).to.equal('credentials-invalid');
    expect(missing.message).to.contain('bucket');
  });

  it('an ETag the bucket\'s CORS rule hides is diagnosed, with the fix, and the upload is aborted', async () => {
    const s = strategy('/sts-noetag', { partSize: 1 * MiB });
    const run = start(s, makeFile('noetag.bin', 9 * MiB).file);
    const error = await failure(run.promise);
    expect([error.code, error.retryable]).to.deep.equal(['etag-not-exposed', false]);
    expect(error.message).to.contain('CORS');
    expect(error.message).to.contain('ETag');
    expect(error.message).to.contain('Expose');
    expect(await openUploads(run.key, env['noEtagUrl'] as string)).to.deep.equal([]);
  });

  it('engine ali-oss: downloaded only when used, uploads 20 MiB', async () => {
    const loaded = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('aliyun-oss-sdk'));
    expect(loaded()).to.deep.equal([]);
    // The native engine never loads it.
    await start(strategy('/sts'), makeFile('native.bin', 9 * MiB).file).promise;
    expect(loaded()).to.deep.equal([]);
    await clearEmulatorRequests();
    const s = strategy('/sts', { engine: 'ali-oss' });
    const { file, bytes } = makeFile('alioss.bin', 20 * MiB);
    const run = start(s, file);
    const result = await run.promise;
    expect(loaded()).to.have.length(1);
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    expect((await log()).filter((r) => r.op === 'UploadPart').length).to.be.greaterThan(1);
  });

  it('engine ali-oss: the shared credentials refresh before they expire, one endpoint call per token', async () => {
    await clearEmulatorRequests();
    await resetStsCalls();
    await setFaults({ bandwidth: 1 * MiB });
    const s = strategy('/sts-short', { engine: 'ali-oss', partSize: 1 * MiB, parallel: 3 });
    const { file, bytes } = makeFile('alioss-expiry.bin', 24 * MiB);
    const result = await start(s, file).promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    const entries = (await log()).filter((r) => r.key === result.key);
    // ali-oss copies each part on the main thread between signing and sending: on a busy machine
    // a 4-second token can lapse on the way. Such a refusal is answered with fresh credentials
    // and ali-oss's checkpoint, checked with ListParts; it never costs an extra endpoint call.
    const refused = entries.filter((r) => r.status === 403);
    expect(new Set(refused.map((r) => r.code))).to.satisfy((codes: Set<string>) => [...codes].every((c) => c === 'SecurityTokenExpired'));
    const partsStored = successfulParts(entries, result.key);
    expect([...new Set(partsStored)]).to.deep.equal(range(24));
    if (refused.length === 0) expect(partsStored).to.deep.equal(range(24));
    const calls = (await stsCalls())['/sts-short']!;
    expect(calls).to.be.at.least(2);
    expect(new Set(entries.map((r) => r.accessKeyId).filter(Boolean)).size).to.equal(calls);
  });

  it('engine ali-oss: a token OSS refuses (SecurityTokenExpired) is refreshed once per token, and the upload goes on from the parts stored', async () => {
    await clearEmulatorRequests();
    await resetStsCalls();
    // The endpoint hides the expiration of its 4-second tokens (4–5 s, rounded up to the second):
    // only OSS's refusal tells the strategy. 8 MiB at 1 MiB/s, one part at a time, takes 8 s and
    // more: it outlasts the first token, so the refusal is certain. (Every refusal costs ali-oss a
    // stop and a restart from its checkpoint: more parts in flight on 4 s tokens made the upload
    // crawl past the test's minute.)
    await setFaults({ bandwidth: 1 * MiB });
    const s = strategy('/sts-hidden', { engine: 'ali-oss', partSize: 1 * MiB, parallel: 1 });
    const { file, bytes } = makeFile('alioss-refused.bin', 8 * MiB);
    const run = start(s, file);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);
    const entries = about(await log(), run.key);
    const refused = entries.filter((r) => r.status === 403);
    expect(refused.length, 'OSS refused an expired token at least once').to.be.greaterThan(0);
    expect(new Set(refused.map((r) => r.code))).to.deep.equal(new Set(['SecurityTokenExpired']));
    expect([...new Set(successfulParts(entries, result.key))]).to.deep.equal(range(8));
    // One endpoint call per token, however many parts hit the expired one.
    const calls = (await stsCalls())['/sts-hidden']!;
    expect(calls).to.be.at.least(2);
    expect(new Set(entries.map((r) => r.accessKeyId).filter(Boolean)).size).to.equal(calls);
  });

  it('engine ali-oss: pause and resume, and abort that leaves nothing open', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const s = strategy('/sts', { engine: 'ali-oss', partSize: 1 * MiB, parallel: 2 });
    const { file, bytes } = makeFile('alioss-pause.bin', 10 * MiB);
    const run = start(s, file);
    await until(run.progress, 2 * MiB);
    expect(s.pause(file)).to.equal(true);
    await settled(run.key); // ali-oss lets the parts in flight finish
    const atPause = run.progress.at(-1)!;
    const requests = about(await log(), run.key).length;
    // Paused is an absence: half a second in which a running upload sends 1 MiB.
    await new Promise((r) => setTimeout(r, 500));
    expect(run.progress.at(-1)).to.equal(atPause);
    expect(about(await log(), run.key).length).to.equal(requests);
    expect(s.resume(file)).to.equal(true);
    const result = await run.promise;
    expect((await stored(result.key))?.crc64).to.equal(crc64(bytes).toString());
    checkProgress(run.progress, bytes.length);

    const other = start(s, makeFile('alioss-abort.bin', 10 * MiB).file);
    await until(other.progress, 1);
    other.controller.abort();
    expect((await failure(other.promise)).code).to.equal('aborted');
    await setFaults({});
    expect(await openUploads(run.key)).to.deep.equal([]);
    expect(await eventually(() => openUploads(other.key), (u) => u.length === 0)).to.deep.equal([]);
  });

  it('through the element, after a "reload": a new <oss-upload> given the same file sends only the missing parts', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const { bytes } = makeFile('element-reload.bin', 40 * MiB);
    const lastModified = Date.now() - 120_000;
    const first = new File([bytes], 'element-reload.bin', { lastModified });
    const page1 = strategy('/sts', { partSize: 2 * MiB, parallel: 2 });
    const run1 = start(page1, first);
    await until(run1.progress, 10 * MiB);
    page1.pause(first); // the tab goes away
    await settled(run1.key);
    await setFaults({});
    const [open] = await openUploads(run1.key);
    expect(open).to.exist;
    const before = open!.parts.map((p) => p.partNumber);
    expect(before.length).to.be.greaterThan(0);
    await clearEmulatorRequests();

    const el = await mount({ strategy: 'sts', endpoint: '/sts' });
    const events = record(el);
    const complete = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([new File([bytes], 'element-reload.bin', { lastModified })]);
    await complete;
    const [success] = details(events, 'oss-upload-success');
    expect(success, JSON.stringify(details(events, 'oss-upload-error'))).to.exist;
    expect(success!.key).to.equal(open!.key);
    expect((await stored(success!.key))?.crc64).to.equal(crc64(bytes).toString());
    const entries = about(await log(), run1.key);
    expect(entries.filter((r) => r.op === 'InitiateMultipartUpload')).to.deep.equal([]);
    const sent = successfulParts(entries, success!.key);
    expect(entries.filter((r) => r.op === 'UploadPart').length).to.equal(sent.length);
    expect(sent.filter((n) => before.includes(n))).to.deep.equal([]); // nothing the first page stored went again
    // The first progress event already counts what the first page stored.
    expect(details(events, 'oss-upload-progress')[0]!.loaded).to.be.at.least(8 * MiB);
    await cleanup();
  });

  it('through the element: <oss-upload strategy="sts" endpoint="/sts">', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts' });
    const events = record(el);
    const { file, bytes } = makeFile('element.bin', 20 * MiB);
    const complete = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([file]);
    await complete;
    const [success] = details(events, 'oss-upload-success');
    expect(success, JSON.stringify(details(events, 'oss-upload-error'))).to.exist;
    expect([success!.strategy, success!.bucket]).to.deep.equal(['sts', env.bucket]);
    expect(success!.key).to.match(/^uploads\/.+\/element\.bin$/);
    expect((await stored(success!.key))?.crc64).to.equal(crc64(bytes).toString());
    const loaded = details(events, 'oss-upload-progress').map((p) => p.loaded);
    for (let i = 1; i < loaded.length; i++) expect(loaded[i]!).to.be.at.least(loaded[i - 1]!);
    expect(loaded.at(-1)).to.equal(bytes.length);
    await cleanup();
  });
});

describe('sts strategy: pure parts', () => {
  it('parts: cut so that every connection ends together, within 1–8 s of one connection\'s rate, at most 64 MiB', () => {
    const KiB64 = 64 * 1024;
    const cut = (unassigned: number, inFlight: number, connections: number, rate?: number) =>
      nextPartSize({ unassigned, inFlight, connections, partsLeft: MAX_PARTS, ...(rate ? { rate } : {}) });
    // Before any part has shown the rate: the file shared by the connections, at most 16 MiB.
    expect(cut(96 * MiB, 0, 6)).to.equal(16 * MiB);
    expect(cut(80 * MiB, 16 * MiB, 6)).to.equal(16 * MiB); // the first part's unsent bytes count: all six alike
    expect(cut(1024 * MiB, 0, 6)).to.equal(16 * MiB);
    expect(cut(24 * MiB, 0, 6)).to.equal(4 * MiB);
    // 5 MB/s per connection (5,000 bytes a ms): at most 8 s of it, at least 1 s.
    expect(cut(1024 * MiB, 0, 6, 5000)).to.equal(Math.ceil(40e6 / KiB64) * KiB64);
    expect(cut(100 * MiB, 0, 6, 5000)).to.equal(Math.ceil(100 * MiB / 6 / KiB64) * KiB64);
    expect(cut(12 * MiB, 8 * MiB, 6, 5000)).to.equal(Math.ceil(5e6 / KiB64) * KiB64); // the tail: no part under 1 s
    // 300 MB/s per connection: 64 MiB, however much is left.
    expect(cut(1024 * MiB, 0, 6, 300_000)).to.equal(64 * MiB);
    expect(cut(100 * MiB, 300 * MiB, 6, 300_000)).to.equal(64 * MiB);
    // No runt at the end: a rest under a quarter of the part goes with it; the last part is what is left.
    expect(cut(19 * MiB, 0, 1)).to.equal(19 * MiB);
    expect(cut(21 * MiB, 0, 1)).to.equal(16 * MiB);
    expect(cut(5 * MiB, 0, 6, 12_500)).to.equal(5 * MiB);
  });

  it('parts in flight: halve on a failure (once for the requests under way together), grow by one a round while the rate grows, step back when growing did not pay', () => {
    const p = new Parallelism(6, 6, 0);
    expect(p.target).to.equal(6);
    p.failed(100, 0, 50);
    expect(p.target).to.equal(3);
    p.failed(120, 0, 60); // under way before the halving: counted already
    expect(p.target).to.equal(3);
    p.failed(300, 0, 150);
    expect(p.target).to.equal(2);
    let now = 300;
    let sent = 0;
    /** A round of `target` parts in which the upload sends `rate` bytes a ms. */
    const round = (rate: number) => {
      for (let i = p.target; i > 0; i--) {
        now += 100;
        sent += rate * 100;
        p.stored(now, sent, now - 50);
      }
      return p.target;
    };
    p.stored(now, sent, 100); // started before the last halving: not part of the round
    p.stored(now, sent, 200);
    expect(round(2000)).to.equal(3); // no rate to beat yet: grows
    expect(round(3000)).to.equal(4); // faster: grows
    expect(round(4000)).to.equal(5);
    expect(round(4100)).to.equal(4); // the fifth connection did not pay: back to four, and held there
    for (let i = 0; i < 4; i++) expect(round(8000)).to.equal(4);
    expect(round(8000)).to.equal(4); // held no more, but no faster than before
    expect(round(9000)).to.equal(5);
    expect(round(12_000)).to.equal(6);
    expect(round(20_000)).to.equal(6); // the most
  });

  it('10,000 parts always hold the file', () => {
    expect(minimumPartSize(MAX_MULTIPART_SIZE, MAX_PARTS)).to.equal(5 * 1024 * MiB);
    expect(minimumPartSize(100 * 1024 * MiB, MAX_PARTS)).to.equal(Math.ceil(100 * 1024 * MiB / MAX_PARTS));
    expect(minimumPartSize(10, 1)).to.equal(100 * 1024); // OSS's minimum for all but the last part
    // The last part numbers take whatever is left.
    expect(minimumPartSize(3 * 1024 * MiB, 1)).to.equal(3 * 1024 * MiB);
    const huge = planParts(40 * 1024 ** 4);
    expect(huge.count).to.be.at.most(MAX_PARTS);
    expect(planParts(20 * MiB)).to.deep.equal({ partSize: 8 * MiB, parallel: 4, count: 3 });
    expect(planParts(1024 * MiB).partSize).to.equal(32 * MiB);
    expect(planParts(20 * MiB, { partSize: 512 * 1024 }).partSize).to.equal(512 * 1024);
  });

  it('addressing: path-style for a custom endpoint, virtual-hosted for OSS', () => {
    expect(bucketUrl({ bucket: 'b', region: 'cn-hangzhou', endpoint: 'http://localhost:9000' })).to.equal('http://localhost:9000/b');
    expect(bucketUrl({ bucket: 'b', region: 'oss-cn-hangzhou' })).to.equal('https://b.oss-cn-hangzhou.aliyuncs.com');
    expect(bucketUrl({ bucket: 'b', region: 'cn-hangzhou', endpoint: 'https://oss-cn-shanghai.aliyuncs.com' })).to.equal('https://b.oss-cn-shanghai.aliyuncs.com');
    expect(bucketUrl({ bucket: 'b', region: 'cn-hangzhou', endpoint: 'https://b.oss-cn-hangzhou.aliyuncs.com' })).to.equal('https://b.oss-cn-hangzhou.aliyuncs.com');
  });

  it('credential shapes and refresh times', () => {
    const seed = parseStsCredentials({ accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't', bucket: 'b', region: 'oss-cn-beijing', dir: '/u/' });
    expect(seed).to.deep.equal({ credentials: { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't' }, bucket: 'b', region: 'cn-beijing', dir: 'u/' });
    const wrapped = parseStsCredentials({ Credentials: { AccessKeyId: 'STS.a', AccessKeySecret: 's', SecurityToken: 't', Expiration: '2030-01-01T00:00:00Z' } }, { bucket: 'b', region: 'cn-hangzhou' });
    expect(wrapped.expiresAt).to.equal(Date.parse('2030-01-01T00:00:00Z'));
    const now = 1_000_000;
    expect(refreshTime(now + 900_000, now)).to.equal(now + 900_000 - 120_000); // 15 minutes: 2 minutes early
    expect(refreshTime(now + 5000, now)).to.equal(now + 4000); // 5 seconds: a fifth early
    expect(refreshTime(undefined, now)).to.equal(Number.MAX_SAFE_INTEGER); // unknown: when OSS refuses
  });
});
