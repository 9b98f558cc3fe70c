// What real OSS clients send and expect of the emulator (issue #8, item 5): conditional GET/HEAD,
// DeleteMultipleObjects, the object-name rules, ListMultipartUploads paging. ali-oss is the client
// wherever it has the call; its own signer makes the few requests its API cannot express.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bytes, client, codeOf, emulator, field, OSS, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

type Headers = Record<string, string>;
/** ali-oss's request layer (not in its typings): for requests its public API will not make. */
interface RawParams {
  method: string; bucket: string; object?: string; subres?: Record<string, string>; headers?: Headers;
  content?: Buffer | string; mime?: string; disabledMD5?: boolean; successStatuses: number[];
}
type Requester = OSS & { request(params: RawParams): Promise<{ status: number; res: { headers: Headers } }> };

const secondsBefore = (httpDate: string, s: number) => new Date(Date.parse(httpDate) - s * 1000).toUTCString();
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('base64');

async function objectKeys(emu: RunningEmulator): Promise<string[]> {
  const r = await fetch(`${emu.url}/_emulator/objects`);
  return ((await r.json()) as Array<{ key: string }>).map((o) => o.key);
}

describe('conditional GET and HEAD', () => {
  let emu: RunningEmulator;
  let oss: OSS;
  let etag: string;
  let lastModified: string;
  before(async () => {
    emu = await emulator();
    oss = client(emu);
    await oss.put('cond/a.txt', Buffer.from('hello conditions'));
    const h = (await oss.head('cond/a.txt')).res.headers as Headers;
    etag = h['etag']!;
    lastModified = h['last-modified']!;
  });
  after(() => emu.close());

  const get = (headers: Headers) => oss.get('cond/a.txt', { headers });
  const head = (headers: Headers) => oss.head('cond/a.txt', { headers });

  test('If-None-Match naming the ETag (or *) and If-Modified-Since at or after Last-Modified answer 304 with the validators; others 200', async () => {
    for (const headers of <Headers[]>[{ 'If-None-Match': etag }, { 'If-None-Match': '*' }, { 'If-None-Match': `"other", ${etag}` },
      { 'If-Modified-Since': lastModified }]) {
      const r = await get(headers);
      assert.equal(r.res.status, 304, JSON.stringify(headers));
      assert.equal((r.res.headers as Headers)['etag'], etag);
      assert.equal((r.res.headers as Headers)['last-modified'], lastModified);
      assert.equal((await head(headers)).res.status, 304, `HEAD ${JSON.stringify(headers)}`);
    }
    // A 304 wins over a Range: the validators say the client's copy is current.
    assert.equal((await get({ 'If-None-Match': etag, Range: 'bytes=0-1' })).res.status, 304);
    // The same headers with a different ETag, an earlier time, or a time that is no HTTP date serve the object.
    for (const headers of <Headers[]>[{ 'If-None-Match': '"0123456789ABCDEF0123456789ABCDEF"' }, { 'If-Modified-Since': secondsBefore(lastModified, 1) },
      { 'If-Modified-Since': 'yesterday' }, { 'If-Match': etag }, { 'If-Match': etag.replace(/"/g, '') },
      { 'If-Unmodified-Since': lastModified }]) {
      const r = await get(headers);
      assert.equal(r.res.status, 200, JSON.stringify(headers));
      assert.equal(Buffer.from(r.content).toString(), 'hello conditions');
    }
  });

  test('If-Match not naming the ETag and If-Unmodified-Since before Last-Modified answer 412 PreconditionFailed with the Condition', async () => {
    const wrong = await rejection(get({ 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' }));
    assert.equal(wrong.status, 412);
    assert.equal(wrong.code, 'PreconditionFailed');
    assert.match(wrong.message, /\(condition: If-Match\)/); // ali-oss appends the body's <Condition>
    const modified = await rejection(get({ 'If-Unmodified-Since': secondsBefore(lastModified, 1) }));
    assert.equal(modified.status, 412);
    assert.match(modified.message, /\(condition: If-Unmodified-Since\)/);

    const headErr = await rejection(head({ 'If-Match': '"nope"' }));
    assert.equal(headErr.status, 412);
    assert.equal(headErr.code, 'PreconditionFailed');
    // HEAD has no body: the XML error travels Base64 in x-oss-err, as for every HEAD error.
    // @types/ali-oss lists no HEAD among signatureUrl's methods; ali-oss signs it like any other.
    const r = await fetch(oss.signatureUrl('cond/a.txt', { method: 'HEAD' } as never), { method: 'HEAD', headers: { 'If-Match': '"nope"' } });
    assert.equal(r.status, 412);
    const xml = Buffer.from(r.headers.get('x-oss-err') ?? '', 'base64').toString('utf8');
    assert.equal(codeOf(xml), 'PreconditionFailed');
    assert.equal(field(xml, 'Condition'), 'If-Match');
    assert.equal(field(xml, 'EC'), '0017-00001001');
  });

  test('combined conditions: If-Match decides over If-Unmodified-Since, If-None-Match over If-Modified-Since, 412 before 304', async () => {
    assert.equal((await get({ 'If-Match': etag, 'If-Unmodified-Since': secondsBefore(lastModified, 60) })).res.status, 200);
    assert.equal((await get({ 'If-None-Match': '"other"', 'If-Modified-Since': lastModified })).res.status, 200);
    assert.equal((await get({ 'If-None-Match': etag, 'If-Modified-Since': secondsBefore(lastModified, 60) })).res.status, 304);
    assert.equal((await rejection(get({ 'If-Match': '"other"', 'If-None-Match': etag }))).status, 412);
    assert.equal((await rejection(get({ 'If-Unmodified-Since': secondsBefore(lastModified, 60), 'If-Modified-Since': lastModified }))).status, 412);
  });
});

describe('DeleteMultipleObjects', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  for (const v4 of [false, true]) {
    test(`verbose lists every key (absent ones too), quiet answers no body; the objects are gone (${v4 ? 'V4' : 'V1'})`, async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const names = ['dm/a.txt', "dm/b c&d'e<f>.txt", 'dm/ü.txt'];
      for (const n of names) await oss.put(n, Buffer.from(n));
      const r = await oss.deleteMulti([...names, 'dm/never-was.txt']);
      assert.equal(r.res.status, 200);
      assert.deepEqual((r.deleted as unknown as Array<{ Key: string }>).map((d) => d.Key), [...names, 'dm/never-was.txt']);
      for (const n of names) assert.equal((await rejection(oss.head(n))).status, 404, n);

      await oss.put('dm/q1', Buffer.from('1'));
      await oss.put('dm/q2', Buffer.from('2'));
      const quiet = await oss.deleteMulti(['dm/q1', 'dm/q2'], { quiet: true });
      assert.equal(quiet.res.status, 200);
      assert.deepEqual(quiet.deleted, []);
      assert.equal((quiet.res.headers as Headers)['content-length'], '0');
      assert.deepEqual((await objectKeys(emu)).filter((k) => k.startsWith('dm/')), []);
    });
  }

  test('encoding-type=url encodes the keys of the answer', async () => {
    // V4 signs every query parameter; ali-oss's V1 would sign encoding-type as a sub-resource, which OSS does not.
    const oss = client(emu, { authorizationV4: true });
    await oss.put('enc/ü x.txt', Buffer.from('x'));
    const r = await oss.deleteMulti(['enc/ü x.txt'], { subres: { 'encoding-type': 'url' } } as never);
    assert.deepEqual((r.deleted as unknown as Array<{ Key: string }>).map((d) => d.Key), ['enc%2F%C3%BC%20x.txt']);
    assert.equal((await rejection(oss.head('enc/ü x.txt'))).status, 404);
  });

  test('Content-MD5 is required and verified; more than 1000 objects, no Object or bad XML is MalformedXML', async () => {
    const oss = client(emu) as Requester;
    await oss.put('keep.txt', Buffer.from('keep'));
    const body = '<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet><Object><Key>keep.txt</Key></Object></Delete>';
    const send = (content: string, headers: Headers = {}, disabledMD5 = false) => oss.request({
      method: 'POST', bucket: emu.buckets[0]!, subres: { delete: '' }, content, mime: 'xml', headers, disabledMD5, successStatuses: [200],
    });
    const noMd5 = await rejection(send(body, {}, true));
    assert.equal(noMd5.status, 400);
    assert.equal(noMd5.code, 'InvalidRequest');
    assert.equal(noMd5.ecCode, '0016-00000606');
    const badMd5 = await rejection(send(body, { 'Content-MD5': md5('something else') }));
    assert.equal(badMd5.code, 'InvalidDigest');
    for (const bad of ['<Delete><Quiet>true</Quiet></Delete>', '<Delete><Object><Key>keep.txt</Key>', '<Delete><Object><VersionId>1</VersionId></Object></Delete>']) {
      const err = await rejection(send(bad));
      assert.equal(err.status, 400, bad);
      assert.equal(err.code, 'MalformedXML', bad);
    }
    const tooMany = await rejection(oss.deleteMulti(Array.from({ length: 1001 }, (_, i) => `many/${i}`)));
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.code, 'MalformedXML');
    const tooBig = await rejection(send(`<Delete>${' '.repeat(2 * 1024 * 1024)}<Object><Key>keep.txt</Key></Object></Delete>`));
    assert.equal(tooBig.code, 'MalformedXML');
    assert.ok((await objectKeys(emu)).includes('keep.txt'), 'nothing was deleted');
    // Names follow the object-name rules here too.
    assert.equal((await rejection(oss.deleteMulti(['\\evil']))).code, 'InvalidObjectName');
  });

  test('each key needs oss:DeleteObject: one key outside the token policy refuses the request and deletes nothing', async () => {
    const root = client(emu);
    await root.put('mine/a.txt', Buffer.from('a'));
    await root.put('theirs/b.txt', Buffer.from('b'));
    const sts = new OSS.STS({ accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: `${emu.url}/_sts` } as never);
    const policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:DeleteObject'], Resource: ['acs:oss:*:*:demo/mine/*'] }] };
    const { credentials } = await sts.assumeRole('acs:ram::1234567890:role/cleaner', policy, 900, 'cleaner');
    const c = credentials as unknown as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
    const oss = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken });
    const denied = await rejection(oss.deleteMulti(['mine/a.txt', 'theirs/b.txt']));
    assert.equal(denied.status, 403);
    assert.equal(denied.code, 'AccessDenied');
    assert.ok((await objectKeys(emu)).includes('mine/a.txt'), 'the allowed key was not deleted either');
    const ok = await oss.deleteMulti(['mine/a.txt']);
    assert.deepEqual((ok.deleted as unknown as Array<{ Key: string }>).map((d) => d.Key), ['mine/a.txt']);
    assert.deepEqual((await objectKeys(emu)).filter((k) => k.startsWith('mine/') || k.startsWith('theirs/')), ['theirs/b.txt']);
  });
});

describe('object names', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  const longest = 'é'.repeat(511) + 'a'; // 1,023 UTF-8 bytes
  const tooLong = 'é'.repeat(512); // 1,024 UTF-8 bytes, 512 characters

  async function refused(p: Promise<unknown>, what: string): Promise<void> {
    const err = await rejection(p);
    assert.equal(err.status, 400, what);
    assert.equal(err.code, 'InvalidObjectName', what);
  }

  test('1,023 bytes is the longest name; longer ones, and names starting with / or \\, are refused by every operation', async () => {
    const oss = client(emu) as Requester;
    await oss.put(longest, Buffer.from('ok'));
    assert.equal(Buffer.from((await oss.get(longest)).content).toString(), 'ok');

    const tooLongErr = await rejection(oss.put(tooLong, Buffer.from('no')));
    assert.equal(tooLongErr.code, 'InvalidObjectName');
    assert.equal(tooLongErr.ecCode, '0016-00000003');
    await refused(oss.put('k'.repeat(10_000), Buffer.from('no')), '10,000 bytes');
    await refused(oss.put('\\evil.txt', Buffer.from('no')), 'leading backslash');
    // ali-oss strips a leading slash from names; its request layer sends one as it is (PUT /demo//evil.txt).
    const slash = await rejection(oss.request({ method: 'PUT', bucket: emu.buckets[0]!, object: '/evil.txt', content: Buffer.from('no'), successStatuses: [200] }));
    assert.equal(slash.code, 'InvalidObjectName');
    assert.equal(slash.ecCode, '0016-00000005');

    await refused(oss.initMultipartUpload(tooLong), 'InitiateMultipartUpload');
    await refused(oss.uploadPart(tooLong, 'NO-SUCH-UPLOAD', 1, bytes(10), 0, 10), 'UploadPart');
    await refused(oss.completeMultipartUpload(tooLong, 'NO-SUCH-UPLOAD', [{ number: 1, etag: '"00"' }]), 'CompleteMultipartUpload');
    await refused(oss.abortMultipartUpload(tooLong, 'NO-SUCH-UPLOAD'), 'AbortMultipartUpload');
    await refused(oss.listParts(tooLong, 'NO-SUCH-UPLOAD', {} as never, {}), 'ListParts');
    await refused(oss.get(tooLong), 'GetObject');
    await refused(oss.head(tooLong), 'HeadObject'); // from x-oss-err
    await refused(oss.delete('\\evil.txt'), 'DeleteObject');

    assert.deepEqual(await objectKeys(emu), [longest]);
  });

  test("PostObject applies the rules to the key once ${filename} is substituted", async () => {
    const oss = client(emu);
    const policy = { expiration: new Date(Date.now() + 3600_000).toISOString(), conditions: [['starts-with', '$key', '']] };
    const signed = oss.calculatePostSignature(policy) as unknown as Record<string, string>;
    const post = async (key: string, filename: string) => {
      const fd = new FormData();
      fd.append('key', key);
      fd.append('OSSAccessKeyId', signed['OSSAccessKeyId']!);
      fd.append('policy', signed['policy']!);
      fd.append('Signature', signed['Signature']!);
      fd.append('file', new Blob([Buffer.from('form')]), filename);
      const r = await fetch(`${emu.url}/${emu.buckets[0]}`, { method: 'POST', body: fd });
      return { status: r.status, body: await r.text() };
    };
    const long = await post('post/${filename}', 'f'.repeat(1100));
    assert.equal(long.status, 400);
    assert.equal(codeOf(long.body), 'InvalidObjectName');
    const backslash = await post('\\${filename}', 'x.txt');
    assert.equal(codeOf(backslash.body), 'InvalidObjectName');
    assert.equal((await post('post/${filename}', 'fine.txt')).status, 204);
    assert.deepEqual((await objectKeys(emu)).filter((k) => k.startsWith('post/') || k.startsWith('\\')), ['post/fine.txt']);
  });
});

describe('ListMultipartUploads paging', () => {
  let emu: RunningEmulator;
  let oss: OSS;
  /** Every upload under lu/, in OSS's order: key, then upload id. */
  let expected: Array<{ name: string; uploadId: string }>;
  before(async () => {
    emu = await emulator();
    oss = client(emu);
    const made: Array<{ name: string; uploadId: string }> = [];
    for (const name of ['lu/b', 'lu/a', 'lu/d/1', 'lu/a', 'lu/c', 'lu/b', 'lu/a', 'lu/d/2', 'other/x']) {
      made.push({ name, uploadId: (await oss.initMultipartUpload(name)).uploadId });
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    expected = made.filter((u) => u.name.startsWith('lu/')).sort((a, b) => cmp(a.name, b.name) || cmp(a.uploadId, b.uploadId));
  });
  after(() => emu.close());

  const list = async (query: Record<string, string | number>) => oss.listUploads(query, {});
  const pairs = (r: { uploads: Array<{ name: string; uploadId: string }> }) => r.uploads.map(({ name, uploadId }) => ({ name, uploadId }));

  test('pages of 2 follow NextKeyMarker / NextUploadIdMarker through every upload once, in key then upload-id order', async () => {
    const seen: Array<{ name: string; uploadId: string }> = [];
    const truncated: boolean[] = [];
    let markers: Record<string, string> = {};
    for (let page = 0; page < 20; page++) {
      const r = await list({ prefix: 'lu/', 'max-uploads': 2, ...markers });
      seen.push(...pairs(r));
      truncated.push(r.isTruncated);
      if (!r.isTruncated) break;
      markers = { 'key-marker': r.nextKeyMarker, 'upload-id-marker': r.nextUploadIdMarker };
    }
    assert.deepEqual(seen, expected);
    assert.deepEqual(truncated, [true, true, true, false]);
  });

  test('key-marker alone starts after that key; upload-id-marker without key-marker is ignored', async () => {
    assert.deepEqual(pairs(await list({ prefix: 'lu/', 'key-marker': 'lu/a' })), expected.filter((u) => u.name > 'lu/a'));
    const aUploads = expected.filter((u) => u.name === 'lu/a');
    assert.deepEqual(pairs(await list({ prefix: 'lu/', 'key-marker': 'lu/a', 'upload-id-marker': aUploads[0]!.uploadId })), expected.slice(1));
    assert.deepEqual(pairs(await list({ prefix: 'lu/', 'upload-id-marker': aUploads[1]!.uploadId })), expected);
  });

  test('delimiter rolls keys into CommonPrefixes, which count toward max-uploads and serve as the next marker', async () => {
    const xmlOf = async (query: Headers) => {
      const url = await oss.signatureUrlV4('GET', 60, { queries: { uploads: null, ...query } }, '');
      const r = await fetch(url);
      assert.equal(r.status, 200);
      return r.text();
    };
    const all = await xmlOf({ prefix: 'lu/', delimiter: '/' });
    assert.deepEqual([...all.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((m) => m[1]), ['lu/d/']);
    assert.equal([...all.matchAll(/<Upload>/g)].length, 6);
    const first = await xmlOf({ prefix: 'lu/', delimiter: '/', 'max-uploads': '6' });
    assert.equal(field(first, 'IsTruncated'), 'true');
    assert.doesNotMatch(first, /<CommonPrefixes>/);
    const second = await xmlOf({ prefix: 'lu/', delimiter: '/', 'max-uploads': '6', 'key-marker': field(first, 'NextKeyMarker')!, 'upload-id-marker': field(first, 'NextUploadIdMarker')! });
    assert.doesNotMatch(second, /<Upload>/);
    assert.match(second, /<CommonPrefixes><Prefix>lu\/d\/<\/Prefix><\/CommonPrefixes>/);
    assert.equal(field(second, 'IsTruncated'), 'false');
    assert.equal(field(second, 'NextKeyMarker'), 'lu/d/');
  });

  test('encoding-type=url encodes keys and markers; max-uploads outside 1..1000 is InvalidArgument', async () => {
    const { uploadId } = await oss.initMultipartUpload('enc/ü x');
    const r = await list({ prefix: 'enc/', 'encoding-type': 'url' });
    assert.deepEqual(pairs(r), [{ name: 'enc%2F%C3%BC%20x', uploadId }]);
    assert.equal(r.nextKeyMarker, 'enc%2F%C3%BC%20x');
    await oss.abortMultipartUpload('enc/ü x', uploadId);
    for (const bad of ['0', '1001', 'ten']) {
      const err = await rejection(list({ 'max-uploads': bad }));
      assert.equal(err.status, 400, bad);
      assert.equal(err.code, 'InvalidArgument', bad);
    }
  });
});
