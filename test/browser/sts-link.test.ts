// The sts engine against a link the emulator paces (its bandwidth fault: each request body read at
// that rate, so only more connections go faster): how many parts it keeps in flight, and how the
// connections to one host are shared between files. What is in flight is read from the emulator's
// own log (a request not answered yet), sampled while the upload runs. Speed itself is measured by
// bench/slow-link.ts, not here.
import { expect } from '@open-wc/testing';
import { crc64 } from '../../src/signing/crc64.js';
import { StsStrategy, type StsSettings } from '../../src/strategies/sts.js';
import type { RequestRetry, UploadResult } from '../../src/strategies/types.js';
import { cleanup, clearEmulatorRequests, details, emulatorRequests, env, makeFile, mount, next, record, setFaults, stored, type LoggedRequest } from './support.js';

const MiB = 1024 * 1024;

function strategy(settings: StsSettings = {}): StsStrategy {
  return new StsStrategy({ credentials: () => ({ endpoint: '/sts' }), ...settings });
}

interface Run {
  promise: Promise<UploadResult>;
  retries: RequestRetry[];
  /** The key asked for (unique to the run); the object's key ends with it. */
  key: string;
}

function start(s: StsStrategy, file: File, stallTimeout?: number): Run {
  const key = `${crypto.randomUUID()}/${file.name}`;
  const retries: RequestRetry[] = [];
  const promise = s.upload(file, {
    key, meta: {}, contentType: 'application/octet-stream', signal: new AbortController().signal, onProgress: () => {},
    onRetry: (r) => retries.push(r), ...(stallTimeout !== undefined ? { stallTimeout } : {}),
  });
  return { promise, retries, key };
}

interface Sample {
  /** Date.now() (the emulator's log times are on the same clock). */
  at: number;
  /** UploadParts the emulator is receiving, per key suffix asked for. */
  inFlight: number[];
  /** Requests the emulator has answered with a planted fault so far. */
  faultsAnswered: number;
}

/**
 * Every 25 ms until `done` settles: how many UploadParts of each key (or requests `counted`) the
 * emulator has received and not yet answered. Asked through `base`, a host name the uploads do not
 * use (a browser queues requests to a host whose 6 connections are busy).
 */
async function sample(keys: string[], done: Promise<unknown>, counted?: (r: LoggedRequest) => boolean, base = env.emulatorUrl): Promise<Sample[]> {
  const samples: Sample[] = [];
  let over = false;
  void done.finally(() => {
    over = true;
  });
  while (!over) {
    const log: LoggedRequest[] = await emulatorRequests(base);
    samples.push({
      at: Date.now(),
      inFlight: keys.map((key) => log.filter((r) => r.status === 0 && (counted ? counted(r) : r.op === 'UploadPart' && r.key?.endsWith(key))).length),
      faultsAnswered: log.filter((r) => r.fault && r.status !== 0).length,
    });
    await new Promise((r) => setTimeout(r, 25));
  }
  return samples;
}

const total = (s: Sample) => s.inFlight.reduce((a, b) => a + b, 0);

/** The first run of consecutive samples that all pass `check` and span at least `ms`: its last sample. */
function stretch(samples: Sample[], check: (s: Sample) => boolean, ms: number): Sample | undefined {
  let from: Sample | undefined;
  for (const s of samples) {
    if (!check(s)) {
      from = undefined;
      continue;
    }
    from ??= s;
    if (s.at - from.at >= ms) return s;
  }
  return undefined;
}

async function byteExact(result: UploadResult, bytes: Uint8Array): Promise<void> {
  const object = await stored(result.key);
  expect([object?.size, object?.crc64]).to.deep.equal([bytes.length, crc64(bytes).toString()]);
}

describe('sts engine on a paced link', () => {
  afterEach(async () => {
    await setFaults({});
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('fills the host\'s six connections at once: the file cut into six equal parts, all sent together', async () => {
    await setFaults({ bandwidth: 4 * MiB });
    const { file, bytes } = makeFile('six.bin', 24 * MiB);
    const run = start(strategy(), file);
    const samples = await sample([run.key], run.promise);
    await byteExact(await run.promise, bytes);
    const parts = (await emulatorRequests()).filter((r) => r.op === 'UploadPart' && r.key?.endsWith(run.key));
    expect(parts.map((r) => r.partNumber).sort(), 'one request per part, none sent twice').to.deep.equal([1, 2, 3, 4, 5, 6]);
    // All six arrived before the first could have been stored (4 MiB at 4 MiB/s takes a second).
    const arrivals = parts.map((r) => Date.parse(r.time));
    expect(Math.max(...arrivals) - Math.min(...arrivals)).to.be.below(500);
    expect(Math.max(...samples.map(total))).to.equal(6);
  });

  it('halves the parts in flight when parts fail, then grows back by one a round', async () => {
    // 1 MiB parts at 1 MiB/s a connection: a second each. Two of the first six fail (answered once their body is in).
    await clearEmulatorRequests(); // no fault answered earlier in the log
    await setFaults({ bandwidth: 1 * MiB, failures: [{ op: 'UploadPart', rate: 1, kind: 'error', count: 2 }] });
    const { file, bytes } = makeFile('halve.bin', 32 * MiB);
    const run = start(strategy({ partSize: 1 * MiB, partRetryDelay: 10 }), file);
    const samples = await sample([run.key], run.promise);
    await byteExact(await run.promise, bytes);
    expect(run.retries.map((r) => r.operation)).to.deep.equal(['UploadPart', 'UploadPart']);
    const trace = JSON.stringify(samples.map((s) => [s.at - samples[0]!.at, total(s), s.faultsAnswered]));
    const log = (await emulatorRequests()).filter((r) => r.op === 'UploadPart' && r.key?.endsWith(run.key));
    expect(log.filter((r) => r.fault)).to.have.length(2);
    // When the failures were seen answered (the engine halved then, or up to a sample before):
    // measured, not assumed, since a loaded machine paces the parts slower than a second.
    const t0 = samples.find((s) => s.faultsAnswered > 0)?.at;
    expect(t0, trace).to.be.a('number');
    expect(Math.max(...samples.filter((s) => s.at < t0!).map(total)), `six at first: ${trace}`).to.equal(6);
    // Halved to three (once for both, as they were under way together: plan.ts's pure test; from
    // out here once and twice look alike): a stretch of looks over 0.6 s at most three in flight.
    // Not at a set time after the failures: parts started before the page heard of them go on
    // (for seconds on a loaded machine, seen at load 15). Without the halving six stay in flight
    // (but for a few ms as parts end) until the last part is sent; after that fewer say nothing.
    const lastSent = Math.max(...log.map((r) => Date.parse(r.time)));
    const halved = stretch(samples.filter((s) => s.at > t0! && s.at < lastSent), (s) => total(s) <= 3, 600);
    expect(halved, `halved: ${trace}`).to.not.equal(undefined);
    // …and then more than three again. The first round after a halving always adds one (there is
    // no earlier rate to beat); each further one needs a round that went faster, which the paced
    // link gives on an idle machine but not on one whose CPU is the bottleneck (back to six on an
    // idle machine, held at four at load 12), so how far it grows is plan.ts's pure test
    // (sts.test.ts), not this one.
    expect(Math.max(...samples.filter((s) => s.at > halved!.at).map(total)), `grew back: ${trace}`).to.be.at.least(4);
  });

  it('files share the six connections with their parts: no more requests out at once, and each file gets its share', async () => {
    // Requests the page has sent and not seen answered: more than six to one host would wait in the
    // browser's own queue, stall timer running, signature ageing, rate mismeasured.
    let out = 0;
    let most = 0;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
      if (body instanceof Blob) {
        most = Math.max(most, ++out);
        // Answered (or failed): its connection is free again.
        const done = () => {
          if (this.readyState !== XMLHttpRequest.DONE) return;
          out--;
          this.removeEventListener('readystatechange', done);
        };
        this.addEventListener('readystatechange', done);
      }
      return send.call(this, body);
    };
    try {
      await setFaults({ bandwidth: 2 * MiB });
      const s = strategy({ partSize: 2 * MiB });
      const a = makeFile('share-a.bin', 24 * MiB);
      const b = makeFile('share-b.bin', 24 * MiB);
      const small = [1, 2, 3].map((i) => makeFile(`share-small-${i}.bin`, 1 * MiB));
      const runA = start(s, a.file);
      await new Promise((r) => setTimeout(r, 200));
      const runB = start(s, b.file);
      const runs = small.map((f) => start(s, f.file));
      const samples = await sample([runA.key, runB.key], Promise.all([runA.promise, runB.promise, ...runs.map((r) => r.promise)]));
      await byteExact(await runA.promise, a.bytes);
      await byteExact(await runB.promise, b.bytes);
      for (const [i, r] of runs.entries()) await byteExact(await r.promise, small[i]!.bytes);
      expect(most, 'bodies out at once').to.equal(6);
      expect(Math.max(...samples.map(total))).to.be.at.most(6);
      // Once the first file's first parts are stored, the second gets its share: both under way at once.
      expect(samples.some((s) => s.inFlight[0]! >= 2 && s.inFlight[1]! >= 2), JSON.stringify(samples.map((s) => s.inFlight))).to.equal(true);
    } finally {
      XMLHttpRequest.prototype.send = send;
    }
  });
});

describe('many files on a paced link, through <oss-upload>', () => {
  afterEach(cleanup);

  for (const [strategy, endpoint, op] of [['sts', '/sts', 'PutObject'], ['signed-policy', '/sign', 'PostObject']] as const) {
    it(`${strategy}: without concurrency, six files at a time (the connections to the bucket's host)`, async () => {
      await clearEmulatorRequests(); // a short log: sampled often
      await setFaults({ bandwidth: 2 * MiB });
      const el = await mount({ strategy, endpoint, multiple: true });
      const events = record(el);
      const files = Array.from({ length: 12 }, (_, i) => makeFile(`many-${i}.bin`, 2 * MiB));
      const complete = next(el, 'oss-upload-complete', 60_000);
      await el.addFiles(files.map((f) => f.file));
      // The only uploads under way (a PostObject names its key in the form, not in the URL the log has).
      // sts sends to the OSS endpoint (localhost), signed-policy to the emulator's own address (127.0.0.1).
      const samples = await sample([''], complete, (r) => r.op === op, strategy === 'sts' ? env.emulatorUrl : env.ossEndpoint);
      await complete;
      expect(details(events, 'oss-upload-success')).to.have.length(12);
      expect(Math.max(...samples.map(total)), JSON.stringify(samples.map(total))).to.equal(6);
    });
  }
});
