// The emulator's memory and throughput while a large object (default 1 GiB) is uploaded to it.
//
// The emulator runs as a child process, through its CLI, exactly as a developer starts it:
//   node --import tsx src/emulator/cli.ts --port 0 --data <tmpdir>
// and its memory is read from /proc/<pid>/status: VmRSS sampled every 50 ms, and VmHWM (the
// kernel's own peak RSS). Before each phase the peak is reset (`5` to /proc/<pid>/clear_refs), so
// every phase gets its own VmHWM; the whole-run peak is the largest VmHWM read. The throughput
// notes carry each process's CPU use over the phase (100% = one core), to show what bounds it.
// The emulator's own CPU seconds (utime + stime from /proc/<pid>/stat, 10 ms ticks) per GiB of each
// operation are rows of their own ("emulator: PutObject", "CPU per GiB"): what a loopback upload
// costs on the server side, so that the client's figures can be read apart from it.
//
// The data is made before any clock starts: up to 128 MiB of pseudo-random bytes (bench/data.ts),
// which a larger object repeats (128 MiB is 8 parts, so a part lost, repeated or put in the wrong
// place among 8 neighbours still changes the object's CRC-64), with the CRC-64 of every slice the
// upload sends and of the whole object worked out beforehand too: the clock times the upload only.
//
// Phases, each verified with HEAD (size and x-oss-hash-crc64ecma against the CRC worked out before):
//   (a) one streaming PutObject (ali-oss putStream, chunked) from a Readable that hands out the
//       data 1 MiB at a time (slices of the pool, no copy);
//   (b) a multipart upload: 16 MiB parts (slices of the pool), 4 in flight, each part's CRC-64
//       answer checked, then CompleteMultipartUpload (which links the part files into the object,
//       no bytes copied; timed apart);
//   (c) a streaming GET of the multipart object, CRC-checked as it is read (the check is in the
//       timed region: it is this phase's point), which proves the bytes on disk and not only the
//       CRC the emulator combined from its parts;
//   (d) one PostObject (V1 policy signed by ali-oss's calculatePostSignature): a multipart/form-data
//       body streamed with node:http, the file 1 MiB at a time, parsed by the emulator with busboy.
// The benchmark process holds the pool (≤ 128 MiB), never the object; its own peak RSS is reported too.
import OSS from 'ali-oss';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Crc64, crc64Combine } from '../src/signing/crc64.js';
import { dataBlock, DATA_BLOCK } from './data.js';
import type { Benchmark, BenchOptions, Row } from './run.js';
import { SAMPLE_MS, procCpuMs, procStatus, resetPeak, sampleRss, sizeLabel, stopChild } from './proc.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const DEFAULT_SIZE = GiB;
const STREAM_CHUNK = MiB;
const PART_SIZE = 16 * MiB;
const PARALLEL = 4;
/** ali-oss's per-request timeout (default 60 s) is too short for 1 GiB on a slow disk. */
const REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'src', 'emulator', 'cli.ts');

export const emulatorMemory: Benchmark = {
  name: 'emulator',
  description: 'emulator child process: peak RSS and MB/s for a 1 GiB PutObject stream and multipart upload (--size to change)',
  run: runEmulatorMemory,
};

// ---------------------------------------------------------------------------
// Data, made before any clock starts.

/** The most data made ahead; larger objects repeat it. A multiple of STREAM_CHUNK and PART_SIZE, so no slice wraps. */
const POOL_LIMIT = 128 * MiB;

/** An object of `size` bytes whose byte p is pool[p mod pool.length], and the CRC-64s its uploads need. */
interface Planned {
  size: number;
  /** The bytes at [at, at + length) of the object (within one pool length: a slice, not a copy). */
  slice(at: number, length: number): Buffer;
  /** CRC-64 of those bytes, from a table made beforehand. */
  crcOf(at: number, length: number): bigint;
  /** CRC-64 of the whole object. */
  crc: bigint;
}

/** Makes the pool and the CRC-64 of every slice of `sliceSize` the upload will send (and the object's). */
function plan(size: number, seed: string, sliceSize: number): Planned {
  const poolSize = Math.min(size, POOL_LIMIT);
  const blocks: Buffer[] = [];
  for (let at = 0, i = 0; at < poolSize; at += DATA_BLOCK, i++) blocks.push(dataBlock(seed, i, Math.min(DATA_BLOCK, poolSize - at)));
  // Slices start at multiples of a slice size that divides DATA_BLOCK: none spans two blocks.
  const slice = (at: number, length: number) => {
    const p = at % poolSize;
    const block = blocks[Math.floor(p / DATA_BLOCK)]!;
    return block.subarray(p % DATA_BLOCK, (p % DATA_BLOCK) + length);
  };
  const table = new Map<string, bigint>();
  const crcOf = (at: number, length: number) => {
    const id = `${at % poolSize}:${length}`;
    let crc = table.get(id);
    if (crc === undefined) table.set(id, crc = new Crc64().update(slice(at, length)).digest());
    return crc;
  };
  let crc = 0n;
  for (let at = 0; at < size; at += sliceSize) {
    const length = Math.min(sliceSize, size - at);
    crc = at === 0 ? crcOf(at, length) : crc64Combine(crc, crcOf(at, length), length);
  }
  return { size, slice, crcOf, crc };
}

/** The object as a Readable of 1 MiB slices; `handedOut()` counts the bytes it gave. */
function plannedStream(p: Planned): { stream: Readable; handedOut: () => number } {
  let sent = 0;
  const stream = new Readable({
    highWaterMark: STREAM_CHUNK,
    read() {
      if (sent >= p.size) {
        this.push(null);
        return;
      }
      const chunk = p.slice(sent, Math.min(STREAM_CHUNK, p.size - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, handedOut: () => sent };
}

// ---------------------------------------------------------------------------
// /proc/<pid>/status





// ---------------------------------------------------------------------------
// The emulator as a child process

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  port: number;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  region: string;
  output(): string;
}

export async function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => { out = (out + s).slice(-20_000); });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => { out = (out + s).slice(-20_000); });
  const output = () => out;

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`the emulator did not start within 30 s; it printed:\n${out}`)), 30_000);
    const check = () => {
      // The banner is several lines; wait for the credentials line too.
      if (/listening on http:\/\/\S+/.test(out) && /AccessKeySecret: \S+/.test(out)) done();
    };
    const exit = (code: number | null, signal: string | null) =>
      done(new Error(`the emulator exited on start (code ${code}, signal ${signal}); it printed:\n${out}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      proc.off('exit', exit);
      proc.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    proc.stdout!.on('data', check);
    proc.once('exit', exit);
    proc.once('error', done);
  });

  const url = /OSS emulator listening on (http:\/\/\S+)/.exec(out)![1]!;
  const port = Number(new URL(url).port);
  const field = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`cannot find ${re} in the emulator's banner:\n${out}`);
    return m[1]!;
  };
  return {
    proc,
    pid: proc.pid!,
    url,
    port,
    bucket: field(/buckets: ([^,\s]+)/),
    region: field(/region: (\S+)/),
    accessKeyId: field(/AccessKeyId: (\S+)/),
    accessKeySecret: field(/AccessKeySecret: (\S+)/),
    output,
  };
}


// ---------------------------------------------------------------------------

const mb = (bytes: number) => bytes / 1e6;
const mibOf = (kib: number) => kib / KiB;
const rate = (bytes: number, ms: number) => mb(bytes) / (ms / 1000);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;


type Headers = Record<string, string | undefined>;

async function verifyHead(oss: OSS, key: string, size: number, crc: bigint): Promise<void> {
  const head = await oss.head(key);
  const h = head.res.headers as Headers;
  if (Number(h['content-length']) !== size) throw new Error(`${key}: HEAD says ${h['content-length']} bytes, expected ${size}`);
  if (h['x-oss-hash-crc64ecma'] !== crc.toString()) {
    throw new Error(`${key}: HEAD x-oss-hash-crc64ecma ${h['x-oss-hash-crc64ecma']}, the data sent has ${crc}`);
  }
}

async function runEmulatorMemory(options: BenchOptions): Promise<Row[]> {
  const { log } = options;
  const size = options.size ?? DEFAULT_SIZE;
  const label = sizeLabel(size);
  const rows: Row[] = [];
  const row = (benchmark: string, metric: string, value: number | string, unit: string, note?: string) =>
    rows.push({ benchmark: `emulator: ${benchmark}`, metric, value, unit, note });

  const dataDir = await mkdtemp(join(tmpdir(), 'oss-upload-bench-'));
  let child: Child | undefined;
  const interrupted = () => {
    // Ctrl-C: clean up synchronously and leave. Nothing asynchronous here, because tsx's CLI,
    // which relays the signal, may SIGKILL this process soon after (it did in testing), and a
    // forgotten emulator or a gigabyte left in the temp folder is what must not happen.
    child?.proc.kill('SIGKILL');
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } finally {
      process.stderr.write(`\n[emulator] interrupted: emulator killed, ${dataDir} removed\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  try {
    child = await startChild(dataDir);
    const { pid } = child;
    log(`emulator pid ${pid} at ${child.url}, data in ${dataDir}`);
    if (!procStatus(pid)) throw new Error(`cannot read /proc/${pid}/status (this benchmark needs Linux /proc)`);

    // plan() holds this process's event loop for seconds on a busy machine, longer than the emulator's
    // keep-alive timeout (Node's 5 s): an idle connection closed meanwhile fails the next request with
    // "socket hang up", so every phase starts on new connections (agent.destroy() after planning).
    const agent = new http.Agent({ keepAlive: true });
    const planPhase = (seed: string, sliceSize: number) => {
      const p = plan(size, seed, sliceSize);
      agent.destroy();
      return p;
    };
    const oss = new OSS({
      endpoint: `http://localhost:${child.port}`,
      sldEnable: true,
      secure: false,
      bucket: child.bucket,
      region: `oss-${child.region}`,
      accessKeyId: child.accessKeyId,
      accessKeySecret: child.accessKeySecret,
      timeout: REQUEST_TIMEOUT_MS,
      agent,
    } as OSS.Options);

    // Baseline: after the banner, once start-up has settled.
    await new Promise((r) => setTimeout(r, 500));
    const base = procStatus(pid)!;
    let lifetimePeak = base.hwm;
    row('process', 'baseline RSS after start', mibOf(base.rss), 'MiB', `VmRSS 0.5 s after the banner; VmHWM during start-up ${mibOf(base.hwm).toFixed(1)} MiB`);

    /** Runs one phase with its own VmHWM (reset first) and 50 ms samples. */
    const measured = async <T>(fn: () => Promise<T>): Promise<{ result: T; hwmKiB: number; sampledKiB: number; samples: number; reset: boolean; cpu: string; emulatorCpuMs: number }> => {
      lifetimePeak = Math.max(lifetimePeak, procStatus(pid)?.hwm ?? 0);
      const reset = resetPeak(pid);
      const sampler = sampleRss(pid);
      const t0 = performance.now();
      const childCpu0 = procCpuMs(pid);
      const ownCpu0 = process.cpuUsage();
      let result: T;
      let sampled: { maxKiB: number; samples: number };
      try {
        result = await fn();
      } finally {
        sampled = sampler.stop();
      }
      const wall = performance.now() - t0;
      const own = process.cpuUsage(ownCpu0);
      const emulatorCpuMs = procCpuMs(pid) - childCpu0;
      const pct = (ms: number) => `${Math.round((100 * ms) / wall)}%`;
      const cpu = `CPU: emulator ${pct(emulatorCpuMs)}, client ${pct((own.user + own.system) / 1000)}`;
      const hwm = procStatus(pid)?.hwm ?? 0;
      lifetimePeak = Math.max(lifetimePeak, hwm);
      return { result, hwmKiB: hwm, sampledKiB: sampled.maxKiB, samples: sampled.samples, reset, cpu, emulatorCpuMs };
    };
    /** The emulator's CPU seconds per GiB of an operation, from /proc/<pid>/stat around it. */
    const cpuRow = (operation: string, cpuMs: number, bytes: number, what: string) =>
      row(operation, 'CPU per GiB', cpuMs / 1000 / (bytes / GiB), 's',
        `emulator process user + system: ${secs(cpuMs)} for ${sizeLabel(bytes)} (${what}); 10 ms ticks`);
    const peakRows = (benchmark: string, m: { hwmKiB: number; sampledKiB: number; samples: number; reset: boolean }) => {
      row(benchmark, m.reset ? 'peak RSS (VmHWM)' : 'peak RSS (VmHWM, whole run so far)', mibOf(m.hwmKiB), 'MiB',
        m.reset ? 'kernel peak during this phase (reset before it)' : 'clear_refs refused: the peak could not be reset for this phase');
      row(benchmark, 'peak RSS (sampled)', mibOf(m.sampledKiB), 'MiB', `max VmRSS over ${m.samples} samples, every ${SAMPLE_MS} ms`);
    };

    // (a) one streaming PutObject ----------------------------------------------------------
    {
      const key = 'bench/put-stream.bin';
      log(`(a) PutObject of ${label} from a stream (putStream, chunked, 1 MiB chunks)…`);
      const data = planPhase('put-stream', STREAM_CHUNK);
      const gen = plannedStream(data);
      const m = await measured(async () => {
        const t0 = performance.now();
        await oss.putStream(key, gen.stream, { timeout: REQUEST_TIMEOUT_MS } as OSS.PutStreamOptions);
        return performance.now() - t0;
      });
      if (gen.handedOut() !== size) throw new Error(`the stream handed out ${gen.handedOut()} bytes, expected ${size}`);
      await verifyHead(oss, key, size, data.crc);
      row(`PutObject stream ${label}`, 'throughput', rate(size, m.result), 'MB/s', `${size} B in ${secs(m.result)}; HEAD size and CRC-64 match; ${m.cpu}`);
      peakRows(`PutObject stream ${label}`, m);
      cpuRow('PutObject', m.emulatorCpuMs, size, 'one chunked PUT: MD5 and CRC-64 on the way to disk');
      log(`(a) ${rate(size, m.result).toFixed(1)} MB/s, VmHWM ${mibOf(m.hwmKiB).toFixed(1)} MiB`);
      await oss.delete(key); // frees the disk before (b)
    }

    // (b) multipart upload -------------------------------------------------------------------
    const mpKey = 'bench/multipart.bin';
    let mpCrc = 0n;
    {
      const partCount = Math.ceil(size / PART_SIZE);
      log(`(b) multipart upload of ${label}: ${partCount} × ${sizeLabel(PART_SIZE)} parts, ${PARALLEL} in flight…`);
      const data = planPhase('multipart', PART_SIZE);
      const m = await measured(async () => {
        const t0 = performance.now();
        const cpu0 = procCpuMs(pid);
        const { uploadId } = await oss.initMultipartUpload(mpKey);
        const etags: string[] = new Array(partCount);
        let next = 0;
        const worker = async () => {
          while (next < partCount) {
            const i = next++;
            const len = Math.min(PART_SIZE, size - i * PART_SIZE);
            const body = data.slice(i * PART_SIZE, len);
            const res = await oss.uploadPart(mpKey, uploadId, i + 1, body, 0, len, { timeout: REQUEST_TIMEOUT_MS } as OSS.RequestOptions);
            const partCrc = (res.res.headers as Headers)['x-oss-hash-crc64ecma'];
            const sent = data.crcOf(i * PART_SIZE, len);
            if (partCrc !== sent.toString()) throw new Error(`part ${i + 1}: x-oss-hash-crc64ecma ${partCrc}, sent ${sent}`);
            etags[i] = res.etag;
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL, partCount) }, worker));
        const t1 = performance.now();
        const cpu1 = procCpuMs(pid);
        await oss.completeMultipartUpload(mpKey, uploadId, etags.map((etag, i) => ({ number: i + 1, etag })), { timeout: REQUEST_TIMEOUT_MS } as OSS.CompleteMultipartUploadOptions);
        const t2 = performance.now();
        return { partsMs: t1 - t0, completeMs: t2 - t1, partCount, partsCpuMs: cpu1 - cpu0, completeCpuMs: procCpuMs(pid) - cpu1 };
      });
      const { partsMs, completeMs, partCount: n, partsCpuMs, completeCpuMs } = m.result;
      mpCrc = data.crc;
      await verifyHead(oss, mpKey, size, data.crc);
      const bench = `multipart ${label}`;
      row(bench, 'throughput, init + parts', rate(size, partsMs), 'MB/s', `${n} × ${sizeLabel(PART_SIZE)} parts, ${PARALLEL} in flight, in ${secs(partsMs)}; every part's CRC-64 matches`);
      row(bench, 'CompleteMultipartUpload time', completeMs / 1000, 's', `links the ${n} part files into the object (no bytes copied); emulator CPU ${secs(completeCpuMs)}`);
      row(bench, 'throughput, init → complete', rate(size, partsMs + completeMs), 'MB/s', `${secs(partsMs + completeMs)}; HEAD size and combined CRC-64 match; ${m.cpu}`);
      peakRows(bench, m);
      cpuRow('UploadPart', partsCpuMs, size, `init and ${n} part PUTs, ${PARALLEL} in flight: MD5 and CRC-64 on the way to disk`);
      log(`(b) parts ${rate(size, partsMs).toFixed(1)} MB/s, complete ${secs(completeMs)}, VmHWM ${mibOf(m.hwmKiB).toFixed(1)} MiB`);
    }

    // (c) read the multipart object back -------------------------------------------------------
    {
      log(`(c) GET of the ${label} multipart object, CRC-checked…`);
      const m = await measured(async () => {
        const t0 = performance.now();
        const { stream } = await oss.getStream(mpKey, { timeout: REQUEST_TIMEOUT_MS });
        const crc = new Crc64();
        let got = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          crc.update(chunk);
          got += chunk.length;
        }
        return { ms: performance.now() - t0, crc: crc.digest(), got };
      });
      const { ms, crc, got } = m.result;
      if (got !== size) throw new Error(`GET returned ${got} bytes, expected ${size}`);
      if (crc !== mpCrc) throw new Error(`GET: the bytes read have CRC-64 ${crc}, the bytes sent ${mpCrc}`);
      const bench = `GetObject stream ${label}`;
      row(bench, 'throughput', rate(size, ms), 'MB/s', `${secs(ms)}; CRC-64 of the bytes read matches the bytes sent; ${m.cpu}`);
      peakRows(bench, m);
      cpuRow('GetObject', m.emulatorCpuMs, size, `the ${label} multipart object, read across its part files`);
      await oss.delete(mpKey); // frees the disk before (d)
    }

    // (d) one PostObject ---------------------------------------------------------------------
    {
      const key = 'bench/post-object.bin';
      log(`(d) PostObject of ${label} (V1 policy, multipart/form-data streamed 1 MiB at a time)…`);
      const data = planPhase('post-object', STREAM_CHUNK);
      const policy = { expiration: new Date(Date.now() + 3600_000).toISOString(), conditions: [['content-length-range', 0, size], ['eq', '$key', key]] };
      const signed = oss.calculatePostSignature(policy) as unknown as Record<'OSSAccessKeyId' | 'Signature' | 'policy', string>;
      const fields: Array<[string, string]> = [['key', key], ['OSSAccessKeyId', signed.OSSAccessKeyId], ['policy', signed.policy], ['Signature', signed.Signature]];
      const boundary = `----oss-upload-bench-${randomBytes(16).toString('hex')}`;
      const head = Buffer.from(fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
        + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="post-object.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const gen = plannedStream(data);
      const m = await measured(async () => {
        const t0 = performance.now();
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request({
            host: 'localhost', port: child!.port, method: 'POST', path: `/${child!.bucket}`, agent,
            headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + size + tail.length) },
          }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (s: string) => { text += s; });
            res.on('end', () => (res.statusCode === 204 ? resolve(204) : reject(new Error(`PostObject: ${res.statusCode} ${text}`))));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.write(head);
          gen.stream.on('end', () => req.end(tail));
          gen.stream.on('error', reject);
          gen.stream.pipe(req, { end: false });
        });
        return { ms: performance.now() - t0, status };
      });
      if (gen.handedOut() !== size) throw new Error(`the stream handed out ${gen.handedOut()} bytes, expected ${size}`);
      await verifyHead(oss, key, size, data.crc);
      const bench = `PostObject ${label}`;
      row(bench, 'throughput', rate(size, m.result.ms), 'MB/s', `${size} B in ${secs(m.result.ms)}; 204; HEAD size and CRC-64 match; ${m.cpu}`);
      peakRows(bench, m);
      cpuRow('PostObject', m.emulatorCpuMs, size, 'one form POST: busboy, MD5 and CRC-64 on the way to disk');
      log(`(d) ${rate(size, m.result.ms).toFixed(1)} MB/s, VmHWM ${mibOf(m.hwmKiB).toFixed(1)} MiB`);
      await oss.delete(key);
    }

    const end = procStatus(pid)!;
    lifetimePeak = Math.max(lifetimePeak, end.hwm);
    row('process', 'peak RSS, whole run', mibOf(lifetimePeak), 'MiB', 'largest VmHWM read (start-up and every phase)');
    row('process', 'RSS at the end', mibOf(end.rss), 'MiB', 'VmRSS after the last phase');
    row('client', 'benchmark process peak RSS', process.resourceUsage().maxRSS / KiB, 'MiB', `maxRSS of this process (ali-oss side); it holds the data made ahead (≤ ${sizeLabel(POOL_LIMIT)} per phase), the rest is heap slack`);
    return rows;
  } catch (err) {
    if (child && err instanceof Error) err.message += `\n(emulator output, last lines:)\n${child.output().split('\n').slice(-20).join('\n')}`;
    throw err;
  } finally {
    if (child) await stopChild(child.proc);
    await rm(dataDir, { recursive: true, force: true });
    log(`emulator stopped, ${dataDir} removed`);
    // Only now: on Ctrl-C the emulator (same process group) may stop first and fail the upload,
    // and a SIGINT arriving after the handler is gone would kill this process mid-clean-up.
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
