import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Crc64, crc64, crc64Combine } from "../../src/signing/crc64.js";

const enc = new TextEncoder();

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function bytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Bit-at-a-time BigInt reference straight from the CRC-64/XZ definition. */
function referenceCrc64(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const b of data) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

function streamed(data: Uint8Array, chunk: number): Crc64 {
  const h = new Crc64();
  for (let off = 0; off < data.length; off += chunk) h.update(data.subarray(off, off + chunk));
  return h;
}

describe("crc64 known answers", () => {
  it('"123456789" (the CRC-64/XZ check value)', () => {
    assert.equal(crc64(enc.encode("123456789")), 0x995dc9bbdf1939fan);
    assert.equal(crc64(enc.encode("123456789")), 11051210869376104954n);
  });

  it("the emergency broadcast sentence (Go's hash/crc64 ECMA golden value)", () => {
    assert.equal(crc64(enc.encode("This is a test of the emergency broadcast system.")), 0x27db187fc15bbc72n);
  });

  it("empty input is 0", () => {
    assert.equal(crc64(new Uint8Array(0)), 0n);
    assert.equal(new Crc64().digest(), 0n);
    assert.equal(new Crc64().toString(), "0");
  });

  it("toString() is the unsigned decimal of x-oss-hash-crc64ecma", () => {
    assert.equal(new Crc64().update(enc.encode("123456789")).toString(), "11051210869376104954");
    assert.equal(`${new Crc64().update(enc.encode("123456789"))}`, "11051210869376104954");
  });

  it("matches a bit-at-a-time reference for every length 0..300 at byte offsets 0..4", () => {
    // Covers the bytewise head/tail, the byte-assembled blocks (< 64 bytes)
    // and the aligned Uint32 fast path, at every alignment.
    const data = bytes(304, 12345);
    for (let offset = 0; offset <= 4; offset++) {
      for (let n = 0; n <= 300; n++) {
        const part = data.subarray(offset, offset + n);
        assert.equal(crc64(part), referenceCrc64(part), `offset ${offset} length ${n}`);
      }
    }
  });

  it("matches the reference on all-0x00 and all-0xFF inputs", () => {
    for (const fill of [0x00, 0xff]) {
      const data = new Uint8Array(1000).fill(fill);
      assert.equal(crc64(data), referenceCrc64(data), `fill ${fill}`);
    }
  });

  it("digest is always an unsigned 64-bit value", () => {
    for (let seed = 1; seed < 200; seed++) {
      const c = crc64(bytes(seed % 37, seed));
      assert.ok(c >= 0n && c <= 0xffffffffffffffffn);
    }
  });
});

describe("Crc64 streaming", () => {
  const data = bytes(100_003, 777);
  const expected = crc64(data);

  for (const chunk of [1, 7, 8, 9, 15, 16, 17, 4096 + 3, 65536]) {
    it(`${chunk}-byte chunks equal one-shot`, () => {
      assert.equal(streamed(data, chunk).digest(), expected);
    });
  }

  it("random-sized chunks (including empty ones) equal one-shot", () => {
    const sizes = bytes(5000, 4242);
    const h = new Crc64();
    let off = 0;
    for (let i = 0; off < data.length; i++) {
      const size = i % 10 === 0 ? 0 : sizes[i % sizes.length]! * (i % 3 === 0 ? 17 : 1);
      h.update(data.subarray(off, off + size));
      off += size;
    }
    assert.equal(h.digest(), expected);
  });

  it("digest() is non-destructive and update() is chainable", () => {
    const h = new Crc64();
    assert.equal(h.update(data.subarray(0, 50_000)), h);
    assert.equal(h.digest(), crc64(data.subarray(0, 50_000)));
    assert.equal(h.digest(), crc64(data.subarray(0, 50_000)));
    h.update(data.subarray(50_000));
    assert.equal(h.digest(), expected);
  });

  it("works on unaligned subarrays and Node Buffers", () => {
    const backing = concat(bytes(3, 1), data, bytes(5, 2));
    assert.equal(crc64(backing.subarray(3, 3 + data.length)), expected);
    assert.equal(crc64(Buffer.from(data)), expected);
  });
});

describe("crc64Combine", () => {
  it("crc(a||b) from crc(a), crc(b), len(b) for random splits, including empty parts", () => {
    const data = bytes(20_000, 31337);
    const splits = [0, 1, 7, 8, 9, 15, 16, 17, 4099, 12_345, 19_999, 20_000];
    for (let i = 0; i < 40; i++) splits.push((i * 7919 * 13) % 20_001);
    const whole = crc64(data);
    for (const s of splits) {
      const a = data.subarray(0, s);
      const b = data.subarray(s);
      assert.equal(crc64Combine(crc64(a), crc64(b), b.length), whole, `split at ${s}`);
    }
  });

  it("len2 = 0 returns crc1", () => {
    const c = crc64(enc.encode("123456789"));
    assert.equal(crc64Combine(c, 0n, 0), c);
    assert.equal(crc64Combine(0n, 0n, 0), 0n);
  });

  it("empty first part: combine(0, crc(b), len(b)) = crc(b)", () => {
    const b = bytes(777, 5);
    assert.equal(crc64Combine(0n, crc64(b), b.length), crc64(b));
  });

  it("multipart-style fold over many parts equals the whole", () => {
    const data = bytes(50_000, 99);
    const cuts = [0, 1, 1, 100, 4096, 4103, 10_000, 33_333, 49_999, 50_000];
    let acc = 0n;
    for (let i = 1; i < cuts.length; i++) {
      const part = data.subarray(cuts[i - 1]!, cuts[i]!);
      acc = crc64Combine(acc, crc64(part), part.length);
    }
    assert.equal(acc, crc64(data));
  });

  it("a multi-MiB run of zeros (real data, exercises high matrix powers)", () => {
    const a = bytes(1001, 8);
    const zeros = new Uint8Array(3 * 1024 * 1024 + 5);
    assert.equal(crc64Combine(crc64(a), crc64(zeros), zeros.length), crc64(concat(a, zeros)));
  });

  it("is associative: real small parts, then lengths beyond 2^32", () => {
    const a = bytes(513, 1);
    const b = bytes(1029, 2);
    const c = bytes(4103, 3);
    const [c1, c2, c3] = [crc64(a), crc64(b), crc64(c)];
    // Small, fully real: ((a,b),c) vs (a,(b||c)).
    assert.equal(
      crc64Combine(crc64Combine(c1, c2, b.length), c3, c.length),
      crc64Combine(c1, crc64(concat(b, c)), b.length + c.length),
    );
    assert.equal(crc64Combine(crc64Combine(c1, c2, b.length), c3, c.length), crc64(concat(a, b, c)));

    // Large: stand-in CRCs for parts too big to materialize; the identity
    // combine(combine(c1,c2,l2),c3,l3) = combine(c1, combine(c2,c3,l3), l2+l3)
    // must hold for any values, and uses different matrix powers on each side.
    const GiB = 1024 ** 3;
    const lengths: Array<[number, number]> = [
      [5 * GiB, 5 * GiB],
      [5 * GiB, c.length],
      [b.length, 5 * GiB],
      [2 ** 32 - 1, 1],
      [2 ** 32, 2 ** 32 + 1],
      [3 * GiB + 7, 2 * GiB - 7],
      [2 ** 52, 2 ** 52 - 1],
    ];
    for (const [l2, l3] of lengths) {
      assert.equal(
        crc64Combine(crc64Combine(c1, c2, l2), c3, l3),
        crc64Combine(c1, crc64Combine(c2, c3, l3), l2 + l3),
        `l2=${l2} l3=${l3}`,
      );
    }

    // Splitting a 5 GiB second part two different ways gives the same answer.
    const fiveGiB = 5 * GiB;
    const viaHalves = crc64Combine(crc64Combine(c1, 0n, fiveGiB / 2), c2, fiveGiB / 2);
    const viaOdd = crc64Combine(crc64Combine(c1, 0n, 2 ** 32 + 3), c2, fiveGiB - (2 ** 32 + 3));
    assert.equal(viaHalves, crc64Combine(c1, c2, fiveGiB));
    assert.equal(viaOdd, crc64Combine(c1, c2, fiveGiB));
  });

  it("rejects out-of-range inputs", () => {
    assert.throws(() => crc64Combine(-1n, 0n, 1), RangeError);
    assert.throws(() => crc64Combine(0n, 1n << 64n, 1), RangeError);
    assert.throws(() => crc64Combine(0n, 0n, -1), RangeError);
    assert.throws(() => crc64Combine(0n, 0n, 1.5), RangeError);
    assert.throws(() => crc64Combine(0n, 0n, 2 ** 53), RangeError);
  });
});
