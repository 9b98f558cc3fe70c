// The emulator's header-signature checks (V1 and V4) against ali-oss's own signer
// (ali-oss/lib/common/signUtils.js), the independent implementation: what the emulator reports in
// a SignatureDoesNotMatch body equals what ali-oss computes for the request as it was sent, and each
// part a V4 signature covers is checked (every refusal below sits beside a request that is accepted).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { XMLParser } from 'fast-xml-parser';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { client, emulator, raw } from './support/emulator.js';

/** The parts of ali-oss's signUtils these tests use (it ships no types for them). */
interface AliSignUtils {
  buildCanonicalString(method: string, resourcePath: string, request: { headers: Headers; parameters?: Record<string, string> }): string;
  authorization(accessKeyId: string, secret: string, canonicalString: string): string;
  fixAdditionalHeaders(additionalHeaders?: string[]): string[];
  getCanonicalRequest(method: string, request: { headers: Headers; queries: Queries }, bucket: string, key: string, additionalHeaders: string[]): string;
  getStringToSign(region: string, date: string, canonicalRequest: string, product?: string): string;
  getSignatureV4(secret: string, date: string, region: string, stringToSign: string, product?: string): string;
  authorizationV4(accessKeyId: string, secret: string, region: string, method: string,
    request: { headers: Headers; queries: Queries }, bucket: string, key: string, additionalHeaders?: string[]): string;
}
type Headers = Record<string, string>;
/** ali-oss's form of a query: a bare parameter (`?uploads`) is null. */
type Queries = Record<string, string | null>;
const aliQueries = (query: Record<string, string>): Queries =>
  Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v === '' ? null : v]));

const ali = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as AliSignUtils;
const xml = new XMLParser({ parseTagValue: false, trimValues: false });

const BUCKET = 'demo';
const KEY = 'sig/a b+c/ü(1).txt';
const CONTENT = 'signed content';

/** The fields of an OSS XML error body, entities decoded. */
function errorFields(body: Buffer): Record<string, string> {
  return (xml.parse(body.toString('utf8')) as { Error: Record<string, string> }).Error;
}

const isoBasic = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** One request as it goes on the wire. */
interface Sent {
  method: string;
  key: string;
  query: Record<string, string>;
  headers: Headers;
  body?: string;
}

function send(emu: RunningEmulator, r: Sent) {
  const path = `/${BUCKET}/${r.key.split('/').map(encodeURIComponent).join('/')}`;
  const query = Object.entries(r.query).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  return raw({ port: emu.port, method: r.method, path: query ? `${path}?${query}` : path, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) });
}

describe('V1 header signatures against ali-oss\'s signer', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await emulator();
    await client(emu).put(KEY, Buffer.from(CONTENT));
  });
  after(() => emu.close());

  /** Headers signed V1 by ali-oss (buildCanonicalString + authorization) with `secret`. */
  function signV1(r: Omit<Sent, 'headers'> & { headers: Headers }, secret: string): { headers: Headers; stringToSign: string } {
    const headers = { ...r.headers, 'x-oss-date': new Date().toUTCString() };
    const stringToSign = ali.buildCanonicalString(r.method, `/${BUCKET}/${r.key}`, { headers, parameters: r.query });
    return { headers: { ...headers, authorization: ali.authorization(emu.accessKeyId, secret, stringToSign) }, stringToSign };
  }

  for (const [what, request] of [
    ['GET with a sub-resource', { method: 'GET', key: KEY, query: { 'response-content-type': 'text/x-test; charset=utf-8' }, headers: {} }],
    ['PUT with a type and metadata', {
      method: 'PUT', key: 'sig/v1 put.txt', query: {}, headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': ' alice ' }, body: 'v1 body',
    }],
  ] as const) {
    test(`${what}: accepted with the right secret; with a wrong one, SignatureDoesNotMatch whose StringToSign is ali-oss's`, async () => {
      const good = signV1({ ...request, query: { ...request.query }, headers: { ...request.headers } }, emu.accessKeySecret);
      const ok = await send(emu, { ...request, headers: good.headers });
      assert.equal(ok.status, 200, ok.body.toString());

      const bad = signV1({ ...request, query: { ...request.query }, headers: { ...request.headers } }, 'not-the-secret');
      const refused = await send(emu, { ...request, headers: bad.headers });
      assert.equal(refused.status, 403);
      const e = errorFields(refused.body);
      assert.equal(e['Code'], 'SignatureDoesNotMatch');
      assert.equal(e['StringToSign'], bad.stringToSign);
      assert.equal(e['StringToSignBytes'], [...Buffer.from(bad.stringToSign, 'utf8')].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '));
      assert.equal(e['OSSAccessKeyId'], emu.accessKeyId);
      assert.equal(e['SignatureProvided'], bad.headers['authorization']!.split(':').pop());
    });
  }
});

describe('V4 header signatures (OSS4-HMAC-SHA256) against ali-oss\'s signer', () => {
  let emu: RunningEmulator;
  let host: string;
  before(async () => {
    emu = await emulator();
    host = `127.0.0.1:${emu.port}`;
    await client(emu).put(KEY, Buffer.from(CONTENT));
  });
  after(() => emu.close());

  interface Signing {
    secret?: string;
    /** The region and service the signature is computed for. */
    region?: string;
    product?: string;
    /** What the Authorization's Credential scope says (default: what was signed). */
    scopeRegion?: string;
    scopeProduct?: string;
    date?: Date;
    additional?: string[];
  }

  /** A GET with two sub-resources, a header of its own and AdditionalHeaders host and x-app-trace. */
  const getRequest = (): Sent => ({
    method: 'GET', key: KEY,
    query: { 'response-content-type': 'text/x-test; charset=utf-8', 'response-cache-control': 'no-cache' },
    headers: { host: '', 'x-oss-meta-probe': 'one', 'x-app-trace': 'trace-1' },
  });
  const ADDITIONAL = ['host', 'x-app-trace'];

  /** What ali-oss computes for this request: canonical request, string to sign, signature. */
  function aliV4(r: Sent, s: Signing = {}) {
    const region = s.region ?? emu.region;
    const product = s.product ?? 'oss';
    const date = r.headers['x-oss-date']!;
    const canonical = ali.getCanonicalRequest(r.method, { headers: r.headers, queries: aliQueries(r.query) }, BUCKET, r.key, ali.fixAdditionalHeaders(s.additional));
    const stringToSign = ali.getStringToSign(region, date, canonical, product);
    const signature = ali.getSignatureV4(s.secret ?? emu.accessKeySecret, date.slice(0, 8), region, stringToSign, product);
    return { canonical, stringToSign, signature };
  }

  /** The request with x-oss-date, x-oss-content-sha256 and an Authorization computed by ali-oss. */
  function signV4(r: Sent, s: Signing = {}): Sent {
    const headers: Headers = { ...r.headers, 'x-oss-date': isoBasic(s.date ?? new Date()), 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (headers['host'] === '') headers['host'] = host;
    const signed = { ...r, query: { ...r.query }, headers };
    const { signature } = aliV4(signed, s);
    const day = headers['x-oss-date']!.slice(0, 8);
    const additional = ali.fixAdditionalHeaders(s.additional);
    const scope = `${day}/${s.scopeRegion ?? s.region ?? emu.region}/${s.scopeProduct ?? s.product ?? 'oss'}/aliyun_v4_request`;
    headers['authorization'] = `OSS4-HMAC-SHA256 Credential=${emu.accessKeyId}/${scope},`
      + `${additional.length ? `AdditionalHeaders=${additional.join(';')},` : ''}Signature=${signature}`;
    return signed;
  }

  test('requests signed by ali-oss\'s authorizationV4 are accepted (GET with sub-resources and AdditionalHeaders, PUT with metadata)', async () => {
    const get = signV4(getRequest(), { additional: ADDITIONAL });
    // The same Authorization as ali-oss's own composition of the pieces.
    const { authorization, ...unsigned } = get.headers;
    assert.equal(authorization, ali.authorizationV4(emu.accessKeyId, emu.accessKeySecret, emu.region, 'GET',
      { headers: unsigned, queries: aliQueries(get.query) }, BUCKET, KEY, ADDITIONAL));
    const r = await send(emu, get);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.body.toString(), CONTENT);
    assert.equal(r.headers['content-type'], 'text/x-test; charset=utf-8');

    const put = signV4({ method: 'PUT', key: 'sig/v4 put.txt', query: {}, headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': 'alice' }, body: 'v4 body' });
    const stored = await send(emu, put);
    assert.equal(stored.status, 200, stored.body.toString());
    assert.equal((await client(emu).get('sig/v4 put.txt')).content.toString(), 'v4 body');
  });

  test('a wrong secret: SignatureDoesNotMatch whose CanonicalRequest and StringToSign equal ali-oss\'s', async () => {
    for (const request of [getRequest(), { method: 'PUT', key: 'sig/never.txt', query: { 'x-oss-ac': '' }, headers: { 'content-type': 'text/plain' }, body: 'x' }]) {
      const additional = request.method === 'GET' ? ADDITIONAL : [];
      const sent = signV4(request, { secret: 'not-the-secret', additional });
      const r = await send(emu, sent);
      assert.equal(r.status, 403, r.body.toString());
      const e = errorFields(r.body);
      const expected = aliV4(sent, { secret: 'not-the-secret', additional });
      assert.equal(e['Code'], 'SignatureDoesNotMatch');
      assert.equal(e['CanonicalRequest'], expected.canonical);
      assert.equal(e['StringToSign'], expected.stringToSign);
      assert.equal(e['StringToSignBytes'], [...Buffer.from(expected.stringToSign)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '));
      assert.equal(e['SignatureProvided'], expected.signature);
      assert.equal(e['OSSAccessKeyId'], emu.accessKeyId);
      // What ali-oss computes with the right secret is accepted: only the secret was wrong.
      if (request.method === 'GET') assert.equal((await send(emu, signV4(request, { additional }))).status, 200);
    }
    assert.equal(emu.requests().filter((l) => l.key === 'sig/never.txt' && l.status === 200).length, 0);
  });

  /** A change made to a correctly signed GET after signing. */
  type Tamper = [what: string, change: (r: Sent) => void];
  const tampered: Tamper[] = [
    ['a signed x-oss-* header changed', (r) => { r.headers['x-oss-meta-probe'] = 'two'; }],
    ['a signed x-oss-* header dropped', (r) => { delete r.headers['x-oss-meta-probe']; }],
    ['an x-oss-* header added', (r) => { r.headers['x-oss-meta-extra'] = 'sneaked in'; }],
    ['Content-Type added (always signed)', (r) => { r.headers['content-type'] = 'text/html'; }],
    ['a query value changed', (r) => { r.query['response-content-type'] = 'text/html'; }],
    ['a query parameter added (V4 signs every one)', (r) => { r.query['foo'] = 'bar'; }],
    ['a query parameter dropped', (r) => { delete r.query['response-cache-control']; }],
    ['x-oss-date moved by one second, same day', (r) => {
      const d = r.headers['x-oss-date']!;
      const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      const moved = isoBasic(new Date(t + 1000));
      r.headers['x-oss-date'] = moved.slice(0, 8) === d.slice(0, 8) ? moved : isoBasic(new Date(t - 1000));
    }],
    ['another object key', (r) => { r.key = `${r.key}.other`; }],
    ['an AdditionalHeaders header changed (host)', (r) => { r.headers['host'] = `localhost:${r.headers['host']!.split(':')[1]}`; }],
    ['an AdditionalHeaders header changed (x-app-trace)', (r) => { r.headers['x-app-trace'] = 'trace-2'; }],
    ['the AdditionalHeaders list cut in the Authorization', (r) => {
      r.headers['authorization'] = r.headers['authorization']!.replace('AdditionalHeaders=host;x-app-trace,', 'AdditionalHeaders=host,');
    }],
  ];

  test('each signed part changed after signing is refused with SignatureDoesNotMatch, its CanonicalRequest ali-oss\'s for the request as sent', async () => {
    for (const [what, change] of tampered) {
      const sent = signV4(getRequest(), { additional: ADDITIONAL });
      assert.equal((await send(emu, sent)).status, 200, `${what}: the untouched request`);
      const again = signV4(getRequest(), { additional: ADDITIONAL });
      change(again);
      const r = await send(emu, again);
      assert.equal(r.status, 403, `${what}: ${r.body.toString()}`);
      const e = errorFields(r.body);
      assert.equal(e['Code'], 'SignatureDoesNotMatch', what);
      const listed = /AdditionalHeaders=([^,]*),/.exec(again.headers['authorization']!)![1]!.split(';');
      assert.equal(e['CanonicalRequest'], aliV4(again, { additional: listed }).canonical, what);
    }
  });

  test('a signed AdditionalHeaders header missing from the request is refused', async () => {
    const sent = signV4(getRequest(), { additional: ADDITIONAL });
    delete sent.headers['x-app-trace'];
    const r = await send(emu, sent);
    assert.equal(r.status, 403, r.body.toString());
    assert.equal(errorFields(r.body)['Code'], 'SignatureDoesNotMatch');
  });

  test('a signature for another region or service under the emulator\'s scope is refused with SignatureDoesNotMatch', async () => {
    for (const s of [{ region: 'cn-shanghai', scopeRegion: 'cn-hangzhou' }, { product: 'ecs', scopeProduct: 'oss' }] as const) {
      const r = await send(emu, signV4(getRequest(), { ...s, additional: ADDITIONAL }));
      assert.equal(r.status, 403, `${JSON.stringify(s)}: ${r.body.toString()}`);
      assert.equal(errorFields(r.body)['Code'], 'SignatureDoesNotMatch', JSON.stringify(s));
    }
  });

  test('a scope the emulator does not serve, or a malformed V4 request, is refused before the signature', async () => {
    const cases: Array<[what: string, sent: Sent, status: number, code: string]> = [
      ['a region of its own (signed for it)', signV4(getRequest(), { region: 'cn-shanghai' }), 400, 'InvalidArgument'],
      ['a service other than oss (signed for it)', signV4(getRequest(), { product: 'ecs' }), 400, 'InvalidArgument'],
      ['a scope date other than x-oss-date\'s day', (() => {
        const s = signV4(getRequest());
        s.headers['authorization'] = s.headers['authorization']!.replace(/Credential=([^/]+)\/\d{8}\//, (_m, ak: string) => `Credential=${ak}/20200101/`);
        return s;
      })(), 400, 'InvalidArgument'],
      ['x-oss-content-sha256 other than UNSIGNED-PAYLOAD', (() => {
        const s = signV4(getRequest());
        s.headers['x-oss-content-sha256'] = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
        return s;
      })(), 400, 'InvalidArgument'],
      ['no x-oss-date', (() => {
        const s = signV4(getRequest());
        delete s.headers['x-oss-date'];
        return s;
      })(), 403, 'AccessDenied'],
      ['an empty AdditionalHeaders', (() => {
        const s = signV4(getRequest());
        s.headers['authorization'] = s.headers['authorization']!.replace(',Signature=', ',AdditionalHeaders=,Signature=');
        return s;
      })(), 400, 'InvalidArgument'],
    ];
    for (const [what, sent, status, code] of cases) {
      const r = await send(emu, sent);
      assert.equal(r.status, status, `${what}: ${r.body.toString()}`);
      assert.equal(errorFields(r.body)['Code'], code, what);
    }
  });

  test('a header neither x-oss-* nor listed in AdditionalHeaders is not covered: adding one changes nothing', async () => {
    const sent = signV4(getRequest(), { additional: ADDITIONAL });
    sent.headers['x-forwarded-for'] = '203.0.113.7';
    sent.headers['user-agent'] = 'a proxy in between';
    const r = await send(emu, sent);
    assert.equal(r.status, 200, r.body.toString());
  });

  test('a PUT refused for a tampered header stores nothing', async () => {
    const put = signV4({ method: 'PUT', key: 'sig/tampered.txt', query: {}, headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': 'alice' }, body: 'no' });
    put.headers['x-oss-meta-owner'] = 'mallory';
    const r = await send(emu, put);
    assert.equal(r.status, 403);
    assert.equal(errorFields(r.body)['Code'], 'SignatureDoesNotMatch');
    const head = await send(emu, signV4({ method: 'HEAD', key: 'sig/tampered.txt', query: {}, headers: {} }));
    assert.equal(head.status, 404);
  });
});
