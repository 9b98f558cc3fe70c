// PostObject in the emulator, driven over real HTTP with forms signed by ali-oss (the independent reference).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { errors, errorXml, OssError } from '../../src/emulator/errors.js';
import { handlePostObject, type PostCallbacks, type PostObjectContext } from '../../src/emulator/post-object.js';
import { ObjectStore } from '../../src/emulator/store.js';
import type { CredentialLookup, CredentialRecord } from '../../src/emulator/types.js';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/index.js';
import { client, emulator } from './support/emulator.js';

const BUCKET = 'demo';
const LONG: CredentialRecord = { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' };
const TEMP: CredentialRecord = {
  accessKeyId: 'STS.temporary', accessKeySecret: 'temp-secret', securityToken: 'token-123', expiration: new Date(Date.now() + 3600_000),
};
const OLD: CredentialRecord = {
  accessKeyId: 'STS.expired', accessKeySecret: 'old-secret', securityToken: 'token-old', expiration: new Date(Date.now() - 1000),
};
const RECORDS = [LONG, TEMP, OLD];
const credentials: CredentialLookup = {
  lookup: (id) => RECORDS.find((r) => r.accessKeyId === id),
  findByToken: (token) => RECORDS.find((r) => r.securityToken === token),
};

/** ali-oss types lack signPostObjectPolicyV4 (added in 6.20). */
type Signer = OSS & { signPostObjectPolicyV4(policy: object, date: Date): string };
const signer = (r: CredentialRecord): Signer => new OSS({
  accessKeyId: r.accessKeyId, accessKeySecret: r.accessKeySecret, bucket: BUCKET, region: 'oss-cn-hangzhou',
}) as Signer; // the token is a form field of its own; the signature does not cover it

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const md5hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex').toUpperCase();

type Fields = Array<[string, string]>;
type Policy = { expiration: string; conditions: unknown[] };

/** V1 fields from ali-oss's calculatePostSignature. */
function v1(policy: Policy, record: CredentialRecord = LONG): Fields {
  const { OSSAccessKeyId, Signature, policy: field } = signer(record).calculatePostSignature(policy) as unknown as Record<string, string>;
  const out: Fields = [['OSSAccessKeyId', OSSAccessKeyId!], ['policy', field!], ['Signature', Signature!]];
  if (record.securityToken) out.push(['x-oss-security-token', record.securityToken]);
  return out;
}

/** V4 fields as ali-oss's README builds them, pinned x-oss-* conditions included unless `pin` is false. */
function v4(policy: Policy, record: CredentialRecord = LONG, opts: { pin?: boolean; region?: string; date?: Date } = {}): Fields {
  const date = opts.date ?? new Date();
  const isoDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const credential = `${record.accessKeyId}/${isoDate.slice(0, 8)}/${opts.region ?? 'cn-hangzhou'}/oss/aliyun_v4_request`;
  const conditions = [...policy.conditions];
  if (opts.pin !== false) {
    conditions.push({ 'x-oss-credential': credential }, { 'x-oss-date': isoDate }, { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' });
    if (record.securityToken) conditions.push({ 'x-oss-security-token': record.securityToken });
  }
  const full = { expiration: policy.expiration, conditions };
  const out: Fields = [
    ['x-oss-signature-version', 'OSS4-HMAC-SHA256'], ['x-oss-credential', credential], ['x-oss-date', isoDate],
  ];
  if (record.securityToken) out.push(['x-oss-security-token', record.securityToken]);
  out.push(['policy', b64(JSON.stringify(full))], ['x-oss-signature', signer(record).signPostObjectPolicyV4(full, date)]);
  return out;
}

interface FilePart { name?: string; data: Buffer | string; filename?: string; type?: string }

function form(fields: Fields, file?: FilePart | FilePart[], trailing: Fields = []): FormData {
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  for (const f of file === undefined ? [] : Array.isArray(file) ? file : [file]) {
    fd.append(f.name ?? 'file', new Blob([f.data], { type: f.type ?? 'application/octet-stream' }), f.filename ?? 'upload.bin');
  }
  for (const [k, v] of trailing) fd.append(k, v);
  return fd;
}

interface Reply { status: number; headers: Headers; text: string; code?: string; message?: string }

let server: Server;
let base: string;
let dir: string;
let store: ObjectStore;
const outcomes: string[] = [];
let callbacks: PostCallbacks | undefined;

async function post(body: FormData | string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${base}/${BUCKET}`, { method: 'POST', body, headers, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status, headers: res.headers, text,
    code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1],
  };
}

const unescapeXml = (s = '') => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function readObject(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.read(BUCKET, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const tmpFiles = () => readdir(join(dir, 'tmp'));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'post-object-test-'));
  store = new ObjectStore(dir);
  await store.init([BUCKET]);
  server = createServer((req, res) => {
    const ctx: PostObjectContext = {
      bucket: BUCKET, region: 'cn-hangzhou', store, credentials, now: Date.now,
      bucketUrl: `${base}/${BUCKET}`,
      // A stand-in for the STS session policy: temporary credentials may write under uploads/ only.
      authorize: (record, _action, _bucket, key) => record.securityToken === undefined || key.startsWith('uploads/'),
      callbacks,
    };
    handlePostObject(req.headers, req, ctx).then((r) => {
      outcomes.push(r.error ? r.error.code : String(r.status));
      if (r.error) {
        res.writeHead(r.status, { ...r.headers, 'Content-Type': 'application/xml' }).end(errorXml(r.error, 'REQ', 'host'));
      } else {
        res.writeHead(r.status, r.headers).end(r.body);
      }
    }, (err: unknown) => {
      const e = err instanceof OssError ? err : errors.internalError(String(err));
      outcomes.push(e.code);
      res.writeHead(e.status, { 'Content-Type': 'application/xml' }).end(errorXml(e, 'REQ', 'host'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('PostObject: V1 (signed by ali-oss calculatePostSignature)', () => {
  it('stores the file: 204, ETag = MD5, CRC64 header, bytes equal on disk', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const policy = { expiration: inAnHour(), conditions: [{ bucket: BUCKET }, ['starts-with', '$key', 'v1/']] };
    const r = await post(form([['key', 'v1/one.bin'], ...v1(policy)], { data }));
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('etag'), `"${md5hex(data)}"`);
    assert.match(r.headers.get('x-oss-hash-crc64ecma') ?? '', /^\d+$/);
    assert.deepEqual(await readObject('v1/one.bin'), data);
  });

  it('201 answers a PostResponse with Bucket, Location, Key and ETag; 200 is empty; an invalid status is 204', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    const r = await post(form([['key', 'v1/a b.txt'], ['success_action_status', '201'], ...v1(policy)], { data: 'hello' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('content-type'), 'application/xml');
    assert.match(unescapeXml(r.text), /<PostResponse><Bucket>demo<\/Bucket><Location>http:\/\/127\.0\.0\.1:\d+\/demo\/v1\/a%20b\.txt<\/Location><Key>v1\/a b\.txt<\/Key><ETag>"5D41402ABC4B2A76B9719D911017C592"<\/ETag><\/PostResponse>/);
    const ok = await post(form([['key', 'v1/200.txt'], ['success_action_status', '200'], ...v1(policy)], { data: 'x' }));
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    const odd = await post(form([['key', 'v1/odd.txt'], ['success_action_status', '299'], ...v1(policy)], { data: 'x' }));
    assert.equal(odd.status, 204);
  });

  it('success_action_redirect answers 303 with bucket, key and etag appended (S3 shape)', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    const r = await post(form([['key', 'v1/r.txt'], ['success_action_redirect', 'http://app.example/done?x=1'], ...v1(policy)], { data: 'hello' }));
    assert.equal(r.status, 303);
    const loc = new URL(r.headers.get('location')!);
    assert.equal(loc.origin + loc.pathname, 'http://app.example/done');
    assert.equal(loc.searchParams.get('x'), '1');
    assert.equal(loc.searchParams.get('bucket'), BUCKET);
    assert.equal(loc.searchParams.get('key'), 'v1/r.txt');
    assert.equal(loc.searchParams.get('etag'), '"5D41402ABC4B2A76B9719D911017C592"');
  });

  it('${filename} is substituted after the conditions, which see the raw key', async () => {
    const policy = { expiration: inAnHour(), conditions: [['eq', '$key', 'v1/${filename}'], ['starts-with', '$key', 'v1/']] };
    const r = await post(form([['key', 'v1/${filename}'], ...v1(policy)], { data: 'pic', filename: 'photo.png', type: 'image/png' }));
    assert.equal(r.status, 204, r.text);
    assert.equal(store.head(BUCKET, 'v1/photo.png')?.contentType, 'image/png');
  });

  it('field names are case-insensitive (signature, Policy, KEY, $content-type against Content-Type)', async () => {
    const policy = { expiration: inAnHour(), conditions: [['in', '$content-type', ['text/plain']], ['eq', '$Cache-Control', 'no-store']] };
    const [[, ak], [, pol], [, sig]] = v1(policy) as [[string, string], [string, string], [string, string]];
    const r = await post(form([
      ['KEY', 'v1/case.txt'], ['ossaccesskeyid', ak], ['Policy', pol], ['signature', sig],
      ['Content-Type', 'text/plain'], ['cache-control', 'no-store'],
    ], { data: 'c', type: '' }));
    assert.equal(r.status, 204, r.text);
    assert.equal(store.head(BUCKET, 'v1/case.txt')?.headers['cache-control'], 'no-store');
  });

  it('content type: x-oss-content-type > the file part type > the Content-Type field; metadata and headers stored; fields after file ignored', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    const fields: Fields = [
      ['Content-Type', 'text/plain'], ['Content-Disposition', 'attachment'], ['Content-Encoding', 'identity'], ['Expires', 'Wed, 21 Oct 2037 07:28:00 GMT'],
      ['x-oss-meta-Owner', 'alice'], ...v1(policy),
    ];
    await post(form([['key', 'v1/ct1'], ['x-oss-content-type', 'image/webp'], ...fields], { data: 'a', type: 'image/png' }));
    assert.equal(store.head(BUCKET, 'v1/ct1')?.contentType, 'image/webp');
    await post(form([['key', 'v1/ct2'], ...fields], { data: 'a', type: 'image/png' }, [['x-oss-meta-after', 'ignored']]));
    const m = store.head(BUCKET, 'v1/ct2')!;
    assert.equal(m.contentType, 'image/png');
    assert.deepEqual(m.userMeta, { 'x-oss-meta-owner': 'alice' });
    assert.deepEqual(m.headers, { 'content-disposition': 'attachment', 'content-encoding': 'identity', expires: 'Wed, 21 Oct 2037 07:28:00 GMT' });
    // A `file` part sent as a plain field (no filename, no type): the Content-Type field decides.
    const fd = form([['key', 'v1/ct3'], ...fields]);
    fd.append('file', 'text content');
    const r = await post(fd);
    assert.equal(r.status, 204, r.text);
    assert.equal(store.head(BUCKET, 'v1/ct3')?.contentType, 'text/plain');
    assert.equal((await readObject('v1/ct3')).toString(), 'text content');
  });

  it('wrong secret → 403 SignatureDoesNotMatch with the policy as StringToSign', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    const fields = v1(policy, { ...LONG, accessKeySecret: 'not-the-secret' });
    const r = await post(form([['key', 'v1/x'], ...fields], { data: 'x' }));
    assert.equal(r.status, 403);
    assert.equal(r.code, 'SignatureDoesNotMatch');
    assert.match(r.text, new RegExp(`<StringToSign>${fields[1]![1].replace(/[+/=]/g, '\\$&')}</StringToSign>`));
    assert.match(r.text, /<OSSAccessKeyId>LTAIlongterm<\/OSSAccessKeyId><SignatureProvided>/);
  });

  it('tampered policy → 403 SignatureDoesNotMatch', async () => {
    const fields = v1({ expiration: inAnHour(), conditions: [['starts-with', '$key', 'v1/']] });
    fields[1] = ['policy', b64(JSON.stringify({ expiration: inAnHour(), conditions: [] }))];
    const r = await post(form([['key', 'elsewhere'], ...fields], { data: 'x' }));
    assert.equal(r.code, 'SignatureDoesNotMatch');
    assert.equal(store.head(BUCKET, 'elsewhere'), undefined);
  });

  it('expired policy → 403 AccessDenied "Policy expired."', async () => {
    const r = await post(form([['key', 'v1/x'], ...v1({ expiration: new Date(Date.now() - 1000).toISOString(), conditions: [] })], { data: 'x' }));
    assert.equal(r.status, 403);
    assert.equal(r.code, 'AccessDenied');
    assert.equal(r.message, 'Invalid according to Policy: Policy expired.');
  });

  it('failed conditions → 403 AccessDenied quoting the condition; absent fields fail', async () => {
    const cases: Array<[unknown, Fields, string]> = [
      [['starts-with', '$key', 'v1/'], [], '["starts-with", "$key", "v1/"]'],
      [['eq', '$success_action_status', '201'], [['success_action_status', '200']], '["eq", "$success_action_status", "201"]'],
      [['in', '$content-type', ['image/png', 'image/jpeg']], [['Content-Type', 'text/html']], '["in", "$content-type", ["image/png", "image/jpeg"]]'],
      [['not-in', '$cache-control', ['no-cache']], [['Cache-Control', 'no-cache']], '["not-in", "$cache-control", ["no-cache"]]'],
      [['eq', '$x-oss-meta-tag', 'a'], [], '["eq", "$x-oss-meta-tag", "a"]'],
      [{ bucket: 'another' }, [], '{"bucket": "another"}'],
    ];
    for (const [condition, extra, quoted] of cases) {
      const r = await post(form([['key', 'other/x'], ...extra, ...v1({ expiration: inAnHour(), conditions: [condition] })], { data: 'x' }));
      assert.equal(r.status, 403, quoted);
      assert.equal(r.code, 'AccessDenied');
      assert.equal(unescapeXml(r.message), `Invalid according to Policy: Policy Condition failed: ${quoted}`);
    }
    assert.equal(store.head(BUCKET, 'other/x'), undefined);
  });

  it('content-length-range: too big → 400 EntityTooLarge, too small → 400 EntityTooSmall, nothing stored, no temp file left', async () => {
    const policy = { expiration: inAnHour(), conditions: [['content-length-range', 10, 1000]] };
    const big = await post(form([['key', 'v1/big'], ...v1(policy)], { data: Buffer.alloc(5_000_000, 1) }));
    assert.equal(big.status, 400);
    assert.equal(big.code, 'EntityTooLarge');
    const small = await post(form([['key', 'v1/small'], ...v1(policy)], { data: 'tiny' }));
    assert.equal(small.status, 400);
    assert.equal(small.code, 'EntityTooSmall');
    assert.equal(store.head(BUCKET, 'v1/big'), undefined);
    assert.equal(store.head(BUCKET, 'v1/small'), undefined);
    assert.deepEqual(await tmpFiles(), []);
    const exact = await post(form([['key', 'v1/exact'], ...v1(policy)], { data: Buffer.alloc(1000) }));
    assert.equal(exact.status, 204);
  });

  it('content-length-range includes both ends: min − 1 and max + 1 refused; min, min + 1, max − 1 and max stored byte-exact', async () => {
    const policy = { expiration: inAnHour(), conditions: [['content-length-range', 10, 1000]] };
    const cases: Array<[size: number, status: number, code?: string]> = [
      [9, 400, 'EntityTooSmall'], [10, 204], [11, 204], [999, 204], [1000, 204], [1001, 400, 'EntityTooLarge'],
    ];
    for (const [size, status, code] of cases) {
      const key = `v1/range-${size}`;
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + size) % 256));
      const r = await post(form([['key', key], ...v1(policy)], { data }));
      assert.equal(r.status, status, `${size} bytes: ${r.text}`);
      assert.equal(r.code, code, `${size} bytes`);
      if (status === 204) assert.deepEqual(await readObject(key), data, `${size} bytes`);
      else assert.equal(store.head(BUCKET, key), undefined, `${size} bytes`);
    }
    // Two ranges: both apply (the larger minimum, the smaller maximum).
    const both = { expiration: inAnHour(), conditions: [['content-length-range', 5, 1000], ['content-length-range', 10, 2000]] };
    for (const [size, code] of [[9, 'EntityTooSmall'], [10, undefined], [1000, undefined], [1001, 'EntityTooLarge']] as const) {
      const r = await post(form([['key', `v1/both-${size}`], ...v1(both)], { data: Buffer.alloc(size, 7) }));
      assert.equal(r.code, code, `${size} bytes under two ranges: ${r.text}`);
    }
    assert.deepEqual(await tmpFiles(), []);
  });

  it('malformed policies → 400 InvalidPolicyDocument', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"expiration": "2099-01-01T00:00:00.000Z", "conditions": [', /^Invalid Policy: Invalid JSON: /],
      [JSON.stringify({ conditions: [] }), /expiration/],
      [JSON.stringify({ expiration: inAnHour() }), /conditions/],
      [JSON.stringify({ expiration: inAnHour(), conditions: [{ a: '1', b: '2' }] }), /^Invalid Simple-Condition: Simple-Conditions must have exactly one property specified\.$/],
      [JSON.stringify({ expiration: inAnHour(), conditions: [['ends-with', '$key', 'x']] }), /ends-with/],
      [JSON.stringify({ expiration: inAnHour(), conditions: [['content-length-range', 10, 5]] }), /content-length-range/],
      [JSON.stringify({ expiration: inAnHour(), conditions: [['content-length-range', -1, 5]] }), /content-length-range/],
    ];
    for (const [json, message] of cases) {
      const field = b64(json);
      // ali-oss re-serialises (and so rejects) broken JSON: sign the exact field with the V1 formula instead.
      const signature = createHmac('sha1', LONG.accessKeySecret).update(field).digest('base64');
      const r = await post(form([['key', 'v1/p'], ['OSSAccessKeyId', LONG.accessKeyId], ['policy', field], ['Signature', signature]], { data: 'x' }));
      assert.equal(r.status, 400, json);
      assert.equal(r.code, 'InvalidPolicyDocument', json);
      assert.match(unescapeXml(r.message), message, json);
    }
  });

  it('x-oss-forbid-overwrite=true on an existing key → 409 FileAlreadyExists', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    await post(form([['key', 'v1/keep'], ...v1(policy)], { data: 'first' }));
    const r = await post(form([['key', 'v1/keep'], ['x-oss-forbid-overwrite', 'true'], ...v1(policy)], { data: 'second' }));
    assert.equal(r.status, 409);
    assert.equal(r.code, 'FileAlreadyExists');
    assert.equal((await readObject('v1/keep')).toString(), 'first');
  });

  it('a Content-MD5 header is verified → 400 InvalidDigest', async () => {
    const policy = { expiration: inAnHour(), conditions: [] };
    const good = createHash('md5').update('payload').digest('base64');
    const ok = await post(form([['key', 'v1/md5'], ...v1(policy)], { data: 'payload' }), { 'Content-MD5': good });
    assert.equal(ok.status, 204, ok.text);
    const bad = await post(form([['key', 'v1/md5-bad'], ...v1(policy)], { data: 'payload' }), { 'Content-MD5': createHash('md5').update('other').digest('base64') });
    assert.equal(bad.code, 'InvalidDigest');
    assert.equal(store.head(BUCKET, 'v1/md5-bad'), undefined);
  });
});

describe('PostObject: form shape', () => {
  const policy = () => ({ expiration: inAnHour(), conditions: [] });

  it('key after file → 400 InvalidArgument', async () => {
    const r = await post(form(v1(policy()), { data: 'x' }, [['key', 'v1/late']]));
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidArgument');
    assert.equal(r.message, "The bucket POST must contain the specified 'key'. If it is specified, please check the order of the fields");
  });

  it('two files or none → 400 IncorrectNumberOfFilesInPOSTRequest, nothing stored', async () => {
    const two = await post(form([['key', 'v1/two'], ...v1(policy())], [{ data: 'one' }, { data: Buffer.alloc(200_000, 2) }]));
    assert.equal(two.status, 400);
    assert.equal(two.code, 'IncorrectNumberOfFilesInPOSTRequest');
    assert.equal(store.head(BUCKET, 'v1/two'), undefined);
    const none = await post(form([['key', 'v1/none'], ...v1(policy())]));
    assert.equal(none.code, 'IncorrectNumberOfFilesInPOSTRequest');
  });

  it('a Blob under another name is a field, not a second file', async () => {
    const r = await post(form([['key', 'v1/blobfield'], ...v1(policy())], [{ name: 'x-oss-meta-note', data: 'from a blob' }, { data: 'body' }]));
    assert.equal(r.status, 204, r.text);
    assert.equal(store.head(BUCKET, 'v1/blobfield')?.userMeta['x-oss-meta-note'], 'from a blob');
  });

  it('one member of the V1 trio missing → 400 InvalidArgument; no signature at all → 403 AccessDenied', async () => {
    const fields = v1(policy());
    for (const drop of ['OSSAccessKeyId', 'policy', 'Signature']) {
      const r = await post(form([['key', 'v1/trio'], ...fields.filter(([k]) => k !== drop)], { data: 'x' }));
      assert.equal(r.status, 400, drop);
      assert.equal(r.code, 'InvalidArgument', drop);
      assert.match(r.message ?? '', new RegExp(drop));
    }
    const anon = await post(form([['key', 'v1/anon']], { data: 'x' }));
    assert.equal(anon.status, 403);
    assert.equal(anon.code, 'AccessDenied');
  });

  it('a field value over 2 MB or a name over 8 KB → 400 FieldItemTooLong', async () => {
    const r = await post(form([['key', 'v1/long'], ['x-oss-meta-big', 'a'.repeat(2 * 1024 * 1024 + 1)], ...v1(policy())], { data: 'x' }));
    assert.equal(r.status, 400);
    assert.equal(r.code, 'FieldItemTooLong');
    const n = await post(form([['key', 'v1/long'], [`x-oss-meta-${'n'.repeat(9000)}`, 'v'], ...v1(policy())], { data: 'x' }));
    assert.equal(n.code, 'FieldItemTooLong');
    assert.equal(store.head(BUCKET, 'v1/long'), undefined);
  });

  it('not multipart → 400 RequestIsNotMultiPartContent', async () => {
    const r = await post('key=a&policy=b', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'RequestIsNotMultiPartContent');
  });

  it('a multipart body without its closing boundary, or without a boundary parameter → 400 MalformedPOSTRequest', async () => {
    const body = [['key', 'v1/cut'], ...v1(policy())].map(([k, v]) => `--XyZ\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
      + '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc';
    const r = await post(body, { 'Content-Type': 'multipart/form-data; boundary=XyZ' });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'MalformedPOSTRequest');
    const nb = await post(body, { 'Content-Type': 'multipart/form-data' });
    assert.equal(nb.code, 'MalformedPOSTRequest');
    assert.equal(store.head(BUCKET, 'v1/cut'), undefined);
  });

  it('a body cut short mid-file: the handler settles (MalformedPOSTRequest), nothing is stored, the server keeps serving', async () => {
    const fields = v1(policy());
    const boundary = 'CutHere';
    const head = [['key', 'v1/aborted'], ...fields].map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
      + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const before = outcomes.length;
    const req = request(`${base}/${BUCKET}`, {
      method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + 1_000_000) },
    });
    req.on('error', () => {});
    req.write(head);
    req.write(Buffer.alloc(100_000, 3));
    await new Promise((r) => setTimeout(r, 100));
    req.destroy();
    for (let i = 0; i < 100 && outcomes.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(outcomes[before], 'MalformedPOSTRequest');
    assert.equal(store.head(BUCKET, 'v1/aborted'), undefined);
    assert.deepEqual(await tmpFiles(), []);
    const next = await post(form([['key', 'v1/after-abort'], ...v1(policy())], { data: 'still here' }));
    assert.equal(next.status, 204);
  });
});

describe('PostObject: STS credentials', () => {
  const policy = () => ({ expiration: inAnHour(), conditions: [['starts-with', '$key', 'uploads/']] });

  it('V1 with the token field stores under the allowed prefix', async () => {
    const r = await post(form([['key', 'uploads/sts.txt'], ...v1(policy(), TEMP)], { data: 'sts' }));
    assert.equal(r.status, 204, r.text);
  });

  it('token missing → InvalidAccessKeyId, wrong → InvalidSecurityToken, expired → SecurityTokenExpired', async () => {
    const missing = v1(policy(), TEMP).filter(([k]) => k !== 'x-oss-security-token');
    assert.equal((await post(form([['key', 'uploads/a'], ...missing], { data: 'x' }))).code, 'InvalidAccessKeyId');
    const wrong = v1(policy(), TEMP).map(([k, v]): [string, string] => [k, k === 'x-oss-security-token' ? 'garbage' : v]);
    assert.equal((await post(form([['key', 'uploads/a'], ...wrong], { data: 'x' }))).code, 'InvalidSecurityToken');
    assert.equal((await post(form([['key', 'uploads/a'], ...v1(policy(), OLD)], { data: 'x' }))).code, 'SecurityTokenExpired');
    const unknown = await post(form([['key', 'uploads/a'], ...v1(policy(), { ...LONG, accessKeyId: 'LTAInobody' })], { data: 'x' }));
    assert.equal(unknown.code, 'InvalidAccessKeyId');
  });

  it('the session policy denies a key outside its prefix → 403 AccessDenied', async () => {
    const r = await post(form([['key', 'elsewhere/x'], ...v1({ expiration: inAnHour(), conditions: [] }, TEMP)], { data: 'x' }));
    assert.equal(r.status, 403);
    assert.equal(r.code, 'AccessDenied');
    assert.equal(store.head(BUCKET, 'elsewhere/x'), undefined);
  });
});

describe('PostObject: V4 (signed by ali-oss signPostObjectPolicyV4)', () => {
  const policy = () => ({ expiration: inAnHour(), conditions: [{ bucket: BUCKET }, ['content-length-range', 1, 1_000_000]] as unknown[] });

  it('stores the file with long-term and STS credentials', async () => {
    const data = Buffer.from('v4 payload');
    const r = await post(form([['key', 'v4/one'], ['success_action_status', '201'], ...v4(policy())], { data }));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await readObject('v4/one'), data);
    const s = await post(form([['key', 'uploads/v4'], ...v4(policy(), TEMP)], { data }));
    assert.equal(s.status, 204, s.text);
  });

  it('a policy without the pinned x-oss-* conditions → 403 AccessDenied', async () => {
    const r = await post(form([['key', 'v4/unpinned'], ...v4(policy(), LONG, { pin: false })], { data: 'x' }));
    assert.equal(r.status, 403);
    assert.equal(r.code, 'AccessDenied');
    assert.match(r.message ?? '', /x-oss-credential/);
  });

  it('STS without the token pinned in the policy → 403 AccessDenied', async () => {
    // Re-sign a policy that pins everything but the token.
    const when = new Date();
    const fields = v4(policy(), TEMP, { date: when });
    const p = JSON.parse(Buffer.from(fields.find(([k]) => k === 'policy')![1], 'base64').toString()) as Policy;
    p.conditions = p.conditions.filter((c) => !(c !== null && typeof c === 'object' && 'x-oss-security-token' in c));
    const out = fields.map(([k, v]): [string, string] => [k, k === 'policy' ? b64(JSON.stringify(p)) : k === 'x-oss-signature' ? signer(TEMP).signPostObjectPolicyV4(p, when) : v]);
    const r = await post(form([['key', 'uploads/unpinned'], ...out], { data: 'x' }));
    assert.equal(r.code, 'AccessDenied');
    assert.match(r.message ?? '', /x-oss-security-token/);
  });

  it('wrong region, malformed credential, stale or future x-oss-date are refused', async () => {
    const region = await post(form([['key', 'v4/r'], ...v4(policy(), LONG, { region: 'cn-beijing' })], { data: 'x' }));
    assert.equal(region.code, 'InvalidArgument');
    const bad = v4(policy()).map(([k, v]): [string, string] => [k, k === 'x-oss-credential' ? v.replace('/aliyun_v4_request', '/v4_request') : v]);
    assert.equal((await post(form([['key', 'v4/c'], ...bad], { data: 'x' }))).code, 'InvalidArgument');
    const stale = await post(form([['key', 'v4/s'], ...v4(policy(), LONG, { date: new Date(Date.now() - 8 * 24 * 3600_000) })], { data: 'x' }));
    assert.equal(stale.status, 403);
    assert.equal(stale.code, 'AccessDenied');
    const future = await post(form([['key', 'v4/f'], ...v4(policy(), LONG, { date: new Date(Date.now() + 20 * 60_000) })], { data: 'x' }));
    assert.equal(future.code, 'RequestTimeTooSkewed');
  });

  it('wrong secret → 403 SignatureDoesNotMatch', async () => {
    const r = await post(form([['key', 'v4/w'], ...v4(policy(), { ...LONG, accessKeySecret: 'nope' })], { data: 'x' }));
    assert.equal(r.code, 'SignatureDoesNotMatch');
  });
});

describe('PostObject: callback', () => {
  const policy = () => ({ expiration: inAnHour(), conditions: [] });
  const seen: unknown[] = [];

  before(() => {
    callbacks = {
      parse(callbackB64, vars) {
        if (callbackB64 === 'bad') throw errors.invalidArgument('The callback is not base64 encoded.', 'callback', callbackB64);
        return { callbackB64, vars };
      },
      async run(parsed, system) {
        seen.push({ parsed, system });
        if ((parsed as { callbackB64: string }).callbackB64 === 'fail') return new OssError(203, 'CallbackFailed', 'Error Status : 500.');
        return { status: 200, body: Buffer.from('{"ok":true}'), contentType: 'application/json' };
      },
    };
  });
  after(() => {
    callbacks = undefined;
  });

  it('runs after storing and relays the app JSON with x: variables', async () => {
    const r = await post(form([['key', 'v1/cb'], ['callback', 'good'], ['x:Var1', 'value'], ...v1(policy())], { data: 'cb' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.text, '{"ok":true}');
    assert.ok(r.headers.get('etag'));
    const { parsed, system } = seen.at(-1) as { parsed: { vars: Record<string, string> }; system: Record<string, unknown> };
    assert.deepEqual(parsed.vars, { 'x:var1': 'value' });
    assert.equal(system.object, 'v1/cb');
    assert.equal(system.size, 2);
  });

  it('a failed callback → 203 CallbackFailed with the object stored; a malformed one → 400 before storing', async () => {
    const r = await post(form([['key', 'v1/cb-fail'], ['callback', 'fail'], ...v1(policy())], { data: 'cb' }));
    assert.equal(r.status, 203);
    assert.equal(r.code, 'CallbackFailed');
    assert.ok(r.headers.get('etag'));
    assert.ok(store.head(BUCKET, 'v1/cb-fail'));
    const bad = await post(form([['key', 'v1/cb-bad'], ['callback', 'bad'], ...v1(policy())], { data: 'cb' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.code, 'InvalidArgument');
    assert.equal(store.head(BUCKET, 'v1/cb-bad'), undefined);
  });
});

describe('PostObject: the request log (through the emulator)', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  /** Posts a form signed with the emulator's own keys (or a wrong signature) and answers its log entry. */
  async function logged(key: string, opts: { filename?: string; badSignature?: boolean } = {}): Promise<RequestLogEntry | undefined> {
    const signed = client(emu).calculatePostSignature({ expiration: inAnHour(), conditions: [['starts-with', '$key', 'log/']] } as never) as unknown as Record<string, string>;
    const fd = form([['key', key], ['OSSAccessKeyId', signed['OSSAccessKeyId']!], ['policy', signed['policy']!],
      ['Signature', opts.badSignature ? 'bad' : signed['Signature']!]], { data: 'logged', filename: opts.filename });
    const mark = emu.requests().length;
    const res = await fetch(`${emu.url}/${emu.buckets[0]}`, { method: 'POST', body: fd });
    await res.arrayBuffer();
    return emu.requests().slice(mark).find((e) => e.op === 'PostObject');
  }

  it('names the bucket and the key, with ${filename} replaced', async () => {
    const stored = await logged('log/plain.txt');
    assert.deepEqual([stored?.bucket, stored?.key, stored?.status], [emu.buckets[0], 'log/plain.txt', 204]);
    const named = await logged('log/${filename}', { filename: 'photo.jpg' });
    assert.deepEqual([named?.bucket, named?.key, named?.status], [emu.buckets[0], 'log/photo.jpg', 204]);
  });

  it('a refused form: the key as the form sent it, with the error code', async () => {
    const refused = await logged('log/${filename}', { badSignature: true });
    assert.deepEqual([refused?.bucket, refused?.key, refused?.status, refused?.code], [emu.buckets[0], 'log/${filename}', 403, 'SignatureDoesNotMatch']);
  });
});
