// Throughput micro-benchmark for src/signing/crc64.ts (not a test).
//   npx tsx bench/crc64.ts [MiB]        default 256 MiB
// Prints MB/s (10^6 bytes/s) for one-shot and for 64 KiB streaming chunks.
import { Crc64, crc64 } from "../src/signing/crc64.js";

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 256) * MiB;
const data = new Uint8Array(size);
let s = 0x9e3779b9;
for (let i = 0; i < size; i += 4) {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  data[i] = s;
  data[i + 1] = s >>> 8;
  data[i + 2] = s >>> 16;
  data[i + 3] = s >>> 24;
}

function oneShot(): bigint {
  return crc64(data);
}

function streamed(chunk: number): () => bigint {
  return () => {
    const h = new Crc64();
    for (let off = 0; off < size; off += chunk) h.update(data.subarray(off, off + chunk));
    return h.digest();
  };
}

function run(name: string, fn: () => bigint, reps = 5): void {
  fn(); // warm-up (JIT)
  const rates: number[] = [];
  let crc = 0n;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    crc = fn();
    const seconds = (performance.now() - t0) / 1000;
    rates.push(size / 1e6 / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[rates.length >> 1]!;
  console.log(
    `${name.padEnd(22)} median ${median.toFixed(0).padStart(5)} MB/s ` +
      `(min ${rates[0]!.toFixed(0)}, max ${rates[rates.length - 1]!.toFixed(0)}; ` +
      `${(median / 1.048576).toFixed(0)} MiB/s)  crc=${crc}`,
  );
}

console.log(`crc64 over ${size / MiB} MiB, Node ${process.version}`);
run("one-shot", oneShot);
run("stream 64 KiB chunks", streamed(64 * 1024));
run("stream 4099 B chunks", streamed(4099));
