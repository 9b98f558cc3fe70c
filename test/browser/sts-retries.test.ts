// The sts engine's retries at their edges, in Chromium against the emulator over HTTP: a part is
// retried exactly `partRetries` times (not one fewer, not one more), and the backoff between
// attempts follows its schedule (growth, cap, jitter) with the jitter held still, so that a schedule
// that does not grow cannot pass by luck. Timings come from the emulator's request log.
import { expect } from '@open-wc/testing';
import { crc64 } from '../../src/signing/crc64.js';
import { StsStrategy } from '../../src/strategies/sts.js';
import { MultipartUpload, type CredentialSource, type MultipartOptions } from '../../src/strategies/multipart/engine.js';
import type { UploadError } from '../../src/errors.js';
import { about, emulatorRequests, makeFile, openUploads, setFaults, stored } from './support.js';

const MiB = 1024 * 1024;

/** The emulator's log of one object key's requests, in arrival order. */
const requestsFor = async (key: string) => about(await emulatorRequests(), key);

async function failure(promise: Promise<unknown>): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    return error as UploadError;
  }
  throw new Error('expected the upload to fail, and it succeeded');
}

/** An upload of `file` under a key of its own, through the strategy's public API. */
function upload(s: StsStrategy, file: File, name: string) {
  return s.upload(file, {
    key: `${crypto.randomUUID()}/${name}`, meta: {}, contentType: 'application/octet-stream',
    signal: new AbortController().signal, onProgress: () => {},
  });
}

describe('sts engine: retries at their edges', () => {
  afterEach(async () => {
    await setFaults({});
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('a part is retried exactly partRetries times: that many failures are survived, one more is not', async () => {
    // One part in flight, so that every injected failure falls on part 1.
    const settings = { partSize: 1 * MiB, putThreshold: 1 * MiB, parallel: 1, partRetries: 3, partRetryDelay: 5 };
    const { file, bytes } = makeFile('three.bin', 3 * MiB);
    await setFaults({ seed: 1, failures: [{ op: 'UploadPart', rate: 1, kind: 'error', count: 3 }] });
    const survived = await upload(new StsStrategy({ credentials: () => ({ endpoint: '/sts' }), ...settings }), file, 'three.bin');
    expect((await stored(survived.key))?.crc64).to.equal(crc64(bytes).toString());
    const parts = (await requestsFor(survived.key)).filter((r) => r.op === 'UploadPart');
    expect(parts.map((r) => [r.partNumber, r.status])).to.deep.equal([[1, 500], [1, 500], [1, 500], [1, 200], [2, 200], [3, 200]]);

    await setFaults({ seed: 1, failures: [{ op: 'UploadPart', rate: 1, kind: 'error', count: 4 }] });
    const s = new StsStrategy({ credentials: () => ({ endpoint: '/sts' }), ...settings });
    const { file: again } = makeFile('four.bin', 3 * MiB);
    const name = `${crypto.randomUUID()}/four.bin`;
    const error = await failure(s.upload(again, {
      key: name, meta: {}, contentType: 'application/octet-stream', signal: new AbortController().signal, onProgress: () => {},
    }));
    expect([error.code, error.ossCode, error.status, error.retryable]).to.deep.equal(['oss-error', 'InternalError', 500, true]);
    const key = `uploads/${name}`;
    expect((await requestsFor(key)).filter((r) => r.op === 'UploadPart').map((r) => [r.partNumber, r.status]))
      .to.deep.equal([[1, 500], [1, 500], [1, 500], [1, 500]]); // the first attempt and 3 retries
    // The upload stays for the next attempt, which finishes it (and leaves nothing open).
    expect(await openUploads(key)).to.have.length(1);
    await setFaults({});
    const done = await s.upload(again, { key: name, meta: {}, contentType: 'application/octet-stream', signal: new AbortController().signal, onProgress: () => {} });
    expect(done.key).to.equal(key);
    expect(await openUploads(key)).to.deep.equal([]);
  });

  describe('the backoff schedule, jitter held still', () => {
    let source: CredentialSource;
    let grant: { bucket: string; region: string; endpoint: string; dir: string };

    before(async () => {
      const c = await (await fetch('/sts')).json() as {
        accessKeyId: string; accessKeySecret: string; stsToken: string; bucket: string; region: string; endpoint: string; dir: string;
      };
      const credentials = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.stsToken };
      source = { current: async () => credentials, refresh: async () => credentials };
      grant = { bucket: c.bucket, region: c.region, endpoint: c.endpoint, dir: c.dir };
    });

    /**
     * Uploads a small file (one PutObject) whose first `failures` attempts fail, and answers the
     * gaps between the attempts' arrivals at the emulator: each is the backoff plus one quick round trip.
     */
    async function gaps(failures: number, options: Pick<MultipartOptions, 'retryDelay' | 'maxRetryDelay' | 'jitter'>): Promise<number[]> {
      const key = `${grant.dir}${crypto.randomUUID()}/schedule.bin`;
      await setFaults({ seed: 1, failures: [{ op: 'PutObject', rate: 1, kind: 'error', count: failures }] });
      await new MultipartUpload({
        file: makeFile('schedule.bin', 1000).file, target: grant, key, contentType: 'application/octet-stream', meta: {},
        credentials: source, signal: new AbortController().signal, onProgress: () => {}, retries: failures, ...options,
      }).run();
      const attempts = (await requestsFor(key)).filter((r) => r.op === 'PutObject');
      expect(attempts.map((r) => r.status)).to.deep.equal([...Array(failures).fill(500), 200]);
      const times = attempts.map((r) => Date.parse(r.time));
      return times.slice(1).map((t, i) => t - times[i]!);
    }

    // The emulator stamps arrivals in whole milliseconds: 2 ms of rounding either way.
    const EARLY = 2;
    // A failed attempt and the next one's signing take a few ms; a loaded machine may add some.
    const LATE = 150;

    it('grows: with no jitter each wait is half of base × 2^(n−1)', async () => {
      const measured = await gaps(3, { retryDelay: 200, maxRetryDelay: 10_000, jitter: () => 0 });
      const expected = [100, 200, 400];
      measured.forEach((gap, i) => {
        expect(gap, `wait ${i + 1} of ${JSON.stringify(measured)}`).to.be.at.least(expected[i]! - EARLY);
        expect(gap, `wait ${i + 1} of ${JSON.stringify(measured)}`).to.be.below(expected[i]! + LATE);
      });
    });

    it('is capped at maxRetryDelay: with full jitter each wait is the whole, capped, exponential', async () => {
      const measured = await gaps(4, { retryDelay: 200, maxRetryDelay: 300, jitter: () => 0.999 });
      const expected = [200, 300, 300, 300]; // uncapped: 200, 400, 800, 1600
      measured.forEach((gap, i) => {
        expect(gap, `wait ${i + 1} of ${JSON.stringify(measured)}`).to.be.at.least(expected[i]! * 0.999 - EARLY);
        expect(gap, `wait ${i + 1} of ${JSON.stringify(measured)}`).to.be.below(expected[i]! + LATE);
      });
    });
  });
});
