// What the element says when the credential endpoint's answer cannot be used (issue #8, items 6 and
// 10): a cut-off answer, and credentials or policies that are expired when they arrive. In Chromium,
// against the emulator and the test endpoints of test/browser/servers.mjs and sts-servers.mjs.
import { expect } from '@open-wc/testing';
import '../../src/ali-oss.js'; // registers engine "ali-oss", as oss-upload/ali-oss does in an app
import {
  cleanup, clearEmulatorRequests, details, emulatorRequests, errorsOf, makeFile, mount, record, resetSignCalls, signCalls, uploadAll,
} from './support.js';

describe('<oss-upload>: the credential endpoint\'s answer', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('cut off mid-answer: credentials-invalid (not credentials-network), saying it is not JSON', async () => {
    await resetSignCalls();
    const el = await mount({ endpoint: '/sign-truncated', retries: '0' });
    const events = record(el);
    await uploadAll(el, [makeFile('x.txt', 10).file]);
    const [error] = details(events, 'oss-upload-error');
    expect(error?.code, errorsOf(events)).to.equal('credentials-invalid');
    expect(error?.message).to.contain('broke off').and.to.contain('not JSON');
    expect(error?.status).to.equal(200);
    expect((await signCalls())['/sign-truncated']).to.equal(1);
  });
});

describe('<oss-upload>: credentials that are expired when they arrive', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  /** Requests the emulator logged for keys that end with `name` (each test's file has a name of its own). */
  const logged = async (name: string) => (await emulatorRequests()).filter((r) => r.key?.endsWith(name));

  it('signed-policy: a policy expired on arrival is replaced once, then credentials-expired within seconds', async () => {
    await resetSignCalls();
    await clearEmulatorRequests(); // PostObject's key is in its form, not its URL: the log has none to filter by
    const el = await mount({ endpoint: '/sign-expired' });
    const events = record(el);
    const name = `late-${crypto.randomUUID()}.txt`;
    const started = performance.now();
    await uploadAll(el, [makeFile(name, 1024).file]);
    const took = performance.now() - started;
    const [error] = details(events, 'oss-upload-error');
    expect(error?.code, errorsOf(events)).to.equal('credentials-expired');
    expect([error?.retryable, error?.status, error?.ossCode]).to.deep.equal([false, 403, 'AccessDenied']);
    expect(error?.message).to.contain('clock').and.to.contain('expired at');
    expect(took, 'ms to credentials-expired').to.be.below(5000);
    expect((await signCalls())['/sign-expired']).to.equal(2);
    const posts = (await emulatorRequests()).filter((r) => r.op === 'PostObject');
    expect(posts.map((r) => [r.status, r.code])).to.deep.equal([[403, 'AccessDenied'], [403, 'AccessDenied']]);
    // The one re-send with a fresh policy is signalled; the controller retries nothing after.
    expect(details(events, 'oss-upload-retry').map((r) => [r.operation, r.attempt, r.delay, r.error?.ossCode]))
      .to.deep.equal([['PostObject', 2, 0, 'AccessDenied']]);
    console.log(`signed-policy credentials-expired after ${Math.round(took)} ms, 2 endpoint requests, ${posts.length} PostObject`);
  });

  const stsCases = [
    ['native', 'a small file (PutObject)', 1024, 'PutObject'],
    ['native', 'a multipart upload', 9 * 1024 * 1024, 'InitiateMultipartUpload'],
    ['ali-oss', 'a small file (PutObject)', 1024, 'PutObject'],
    ['ali-oss', 'a multipart upload', 300 * 1024, 'InitiateMultipartUpload'],
  ] as const;
  for (const [engine, what, size, operation] of stsCases) {
    it(`sts (engine ${engine}), ${what}: one refresh, then credentials-expired within seconds`, async () => {
      await fetch('/sts-expired'); // the first call waits until its credentials have expired: not part of the time measured
      await resetStsCalls();
      const el = await mount({ strategy: 'sts', endpoint: '/sts-expired', engine });
      const events = record(el);
      const name = `stale-${crypto.randomUUID()}.bin`;
      const started = performance.now();
      await uploadAll(el, [makeFile(name, size).file]);
      const took = performance.now() - started;
      const [error] = details(events, 'oss-upload-error');
      expect(error?.code, errorsOf(events)).to.equal('credentials-expired');
      expect([error?.retryable, error?.status, error?.ossCode]).to.deep.equal([false, 403, 'SecurityTokenExpired']);
      expect(error?.message).to.contain('clock').and.to.contain('DurationSeconds').and.to.contain('before this page\'s clock');
      expect(took, 'ms to credentials-expired').to.be.below(5000);
      const calls = (await stsCalls())['/sts-expired'];
      expect(calls, 'endpoint requests').to.be.at.most(2);
      const sent = await logged(name);
      expect(sent.map((r) => [r.op, r.status, r.code])).to.deep.equal([[operation, 403, 'SecurityTokenExpired'], [operation, 403, 'SecurityTokenExpired']]);
      // ali-oss's restart with fresh credentials is named by the call it repeats.
      const restarted = engine === 'ali-oss' && operation !== 'PutObject' ? 'multipartUpload' : operation;
      expect(details(events, 'oss-upload-retry').map((r) => [r.operation, r.delay, r.error?.ossCode])).to.deep.equal([[restarted, 0, 'SecurityTokenExpired']]);
      console.log(`sts ${engine} ${operation}: credentials-expired after ${Math.round(took)} ms, ${calls} endpoint requests, ${sent.length} ${operation}`);
    });
  }
});

async function stsCalls(): Promise<Record<string, number>> {
  return await (await fetch('/__sts-calls', { cache: 'no-store' })).json() as Record<string, number>;
}

async function resetStsCalls(): Promise<void> {
  await fetch('/__sts-calls', { method: 'DELETE' });
}
