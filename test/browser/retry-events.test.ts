// Retries an app can see (issue #8, item 8): every request the sts engine sends again by itself (a
// part, a small file's PutObject) fires oss-upload-retry with the operation and the part, while the
// file's status and attempt stay as they are; a whole-file retry (signed-policy, proxy) fires it too,
// without an operation. In Chromium, against the emulator with its fault injection.
import { expect } from '@open-wc/testing';
import { cleanup, details, emulatorRequests, errorsOf, makeFile, mount, record, setFaults, stored, uploadAll } from './support.js';

const MiB = 1024 * 1024;

describe('<oss-upload>: retries are signalled', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('sts: each part sent again fires oss-upload-retry {operation, part, attempt, delay, error}; the file never leaves uploading', async () => {
    await setFaults({ seed: 4, failures: [{ op: 'UploadPart', rate: 1, kind: 'error', count: 3 }] });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '2' });
    const events = record(el);
    const statuses = new Set<string>();
    el.addEventListener('oss-upload-progress', () => statuses.add(el.files[0]!.status));
    el.addEventListener('oss-upload-retry', () => statuses.add(el.files[0]!.status));
    const name = `flaky-${crypto.randomUUID()}.bin`;
    await uploadAll(el, [makeFile(name, 9 * MiB + 7).file]);
    const [success] = details(events, 'oss-upload-success');
    expect(success, errorsOf(events)).to.exist;
    expect((await stored(success!.key))?.size).to.equal(9 * MiB + 7);
    const retries = details(events, 'oss-upload-retry');
    type Logged = Awaited<ReturnType<typeof emulatorRequests>>[number] & { partNumber?: number };
    const faulted = (await emulatorRequests() as Logged[]).filter((r) => r.key?.endsWith(name) && r.op === 'UploadPart' && r.fault);
    expect(faulted, 'parts the emulator failed').to.have.length(3);
    // One event per part sent again, naming the part the emulator failed and that part's next attempt.
    const failures = new Map<number, number>();
    const expected = faulted.map((f) => {
      failures.set(f.partNumber!, (failures.get(f.partNumber!) ?? 0) + 1);
      return ['UploadPart', f.partNumber, failures.get(f.partNumber!)! + 1, false, 'oss-error', 'InternalError', 500];
    });
    expect(retries.map((r) => [r.operation, r.part, r.attempt, r.manual, r.error?.code, r.error?.ossCode, r.error?.status]))
      .to.have.deep.members(expected);
    for (const r of retries) {
      // The engine's backoff: between half and all of 500 ms × 2^(retry − 1).
      const step = 500 * 2 ** (r.attempt - 2);
      expect(r.delay).to.be.within(step / 2, step);
      expect(r.file.attempt).to.equal(1);
      expect(r.file.status).to.equal('uploading');
    }
    expect([...statuses]).to.deep.equal(['uploading']);
    expect(success!.file.attempt).to.equal(1);
  });

  it('sts: a small file\'s PutObject sent again is signalled too', async () => {
    await setFaults({ seed: 4, failures: [{ op: 'PutObject', rate: 1, kind: 'error', count: 1 }] });
    const el = await mount({ strategy: 'sts', endpoint: '/sts' });
    const events = record(el);
    await uploadAll(el, [makeFile(`small-${crypto.randomUUID()}.txt`, 1000, 'text/plain').file]);
    expect(details(events, 'oss-upload-success'), errorsOf(events)).to.have.length(1);
    expect(details(events, 'oss-upload-retry').map((r) => [r.operation, r.part, r.attempt, r.error?.ossCode]))
      .to.deep.equal([['PutObject', undefined, 2, 'InternalError']]);
  });

  it('signed-policy and proxy: a whole-file retry fires oss-upload-retry without an operation', async () => {
    for (const [endpoint, strategy, op, count] of [['/sign', 'signed-policy', 'PostObject', 1], ['/proxy', 'proxy', 'PutObject', 3]] as const) {
      // The proxy server tries OSS 3 times itself (its `retries`: 2) before it answers 502; the browser then retries.
      await setFaults({ seed: 4, failures: [{ op, rate: 1, kind: 'error', count }] });
      const el = await mount({ strategy, endpoint, 'retry-delay': '10' });
      const events = record(el);
      await uploadAll(el, [makeFile(`whole-${crypto.randomUUID()}.txt`, 1000, 'text/plain').file]);
      expect(details(events, 'oss-upload-success'), `${strategy}: ${errorsOf(events)}`).to.have.length(1);
      const retries = details(events, 'oss-upload-retry');
      expect(retries.map((r) => [r.operation, r.attempt, r.error?.code]), strategy).to.deep.equal([[undefined, 2, 'oss-error']]);
      await setFaults({});
    }
  });
});
