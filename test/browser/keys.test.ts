// The object key rule (src/keys.ts) and the credential cache (src/credentials.ts), in the browser.
import { expect } from '@open-wc/testing';
import { CredentialCache } from '../../src/credentials.js';
import { UploadError } from '../../src/errors.js';
import { bucketOf, cleanFileName, joinKey, newId, normalizeKey, objectUrl, renderKeyTemplate } from '../../src/keys.js';
import { parseSignedPolicy, policyFits } from '../../src/strategies/signed-policy.js';

describe('object keys', () => {
  it('clean a file name into one readable segment', () => {
    expect(cleanFileName('my photo #1?.jpg')).to.equal('my photo #1?.jpg');
    expect(cleanFileName('100%.txt')).to.equal('100%.txt');
    expect(cleanFileName('../../etc/passwd')).to.equal('.._.._etc_passwd');
    expect(cleanFileName('a\\b.txt')).to.equal('a_b.txt');
    expect(cleanFileName('..')).to.equal('_');
    expect(cleanFileName('')).to.equal('file');
    expect(cleanFileName('  tab\tnew\nline.txt ')).to.equal('tabnewline.txt');
    expect(cleanFileName('e\u0301te\u0301.txt')).to.equal('été.txt'); // NFD from macOS → NFC
    expect(cleanFileName('${filename}.txt')).to.equal('$_{filename}.txt');
    const long = cleanFileName(`${'名'.repeat(100)}.jpeg`);
    expect(new TextEncoder().encode(long).length).to.be.at.most(200);
    expect(long.endsWith('.jpeg')).to.equal(true);
  });

  it('ids are 26 characters, time-ordered and unique', () => {
    const a = newId(1_700_000_000_000);
    const b = newId(1_700_000_000_001);
    expect(a).to.match(/^[0-9a-hjkmnp-tv-z]{26}$/);
    expect(a < b).to.equal(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId())).size).to.equal(1000);
  });

  it('render the template', () => {
    const now = new Date('2026-03-04T05:06:07Z');
    expect(renderKeyTemplate('{id}/{name}', { name: 'a b.txt' }, now)).to.match(/^[0-9a-z]{26}\/a b\.txt$/);
    expect(renderKeyTemplate('{date}/{yyyy}{mm}{dd}/{timestamp}-{base}{ext}', { name: 'x.tar.gz' }, now))
      .to.equal(`2026-03-04/20260304/${now.getTime()}-x.tar.gz`);
    expect(renderKeyTemplate('{uuid}', { name: 'x' }, now)).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => renderKeyTemplate('{what}', { name: 'x' })).to.throw(UploadError).with.property('code', 'invalid-key');
  });

  it('normalise keys: no leading slash, no empty, . or .. segments', () => {
    expect(normalizeKey('/a//b/./../c.txt')).to.equal('a/b/_/_/c.txt');
    expect(() => normalizeKey('dir/')).to.throw(UploadError);
    expect(() => normalizeKey('x'.repeat(1024))).to.throw(UploadError);
    expect(joinKey('uploads/u1/', 'k/f.txt')).to.equal('uploads/u1/k/f.txt');
    expect(joinKey('', '/f.txt')).to.equal('f.txt');
  });

  it('build URLs with every segment encoded, and read the bucket back', () => {
    expect(objectUrl('https://b.oss-cn-hangzhou.aliyuncs.com', 'u/my photo #1?.jpg'))
      .to.equal('https://b.oss-cn-hangzhou.aliyuncs.com/u/my%20photo%20%231%3F.jpg');
    expect(objectUrl('http://127.0.0.1:9000/demo/', 'a/100%.txt')).to.equal('http://127.0.0.1:9000/demo/a/100%25.txt');
    expect(bucketOf('https://b.oss-cn-hangzhou.aliyuncs.com')).to.equal('b');
    expect(bucketOf('http://127.0.0.1:9000/demo')).to.equal('demo');
    expect(bucketOf('http://demo.localhost:9000')).to.equal('demo');
  });
});

describe('signed policies', () => {
  const policy = (conditions: unknown[]) => btoa(JSON.stringify({ expiration: '2030-01-01T00:00:00.000Z', conditions }));

  it('accept both endpoint formats', () => {
    const v1 = parseSignedPolicy({ accessid: 'AK', host: 'https://b.oss-cn-hangzhou.aliyuncs.com', policy: policy([]), signature: 'S', expire: 1893456000, dir: 'u/' });
    expect(v1.format).to.equal('v1');
    expect(v1.bucket).to.equal('b');
    expect(v1.expiresAt).to.equal(1893456000_000);
    expect(v1.fields.map(([n]) => n)).to.deep.equal(['OSSAccessKeyId', 'policy', 'Signature', 'success_action_status']);
    const v4 = parseSignedPolicy({
      host: 'http://127.0.0.1:1/demo', dir: 'u/', expire: '1893456000',
      fields: { policy: policy([]), 'x-oss-signature-version': 'OSS4-HMAC-SHA256', 'x-oss-credential': 'c', 'x-oss-date': 'd', 'x-oss-signature': 's', success_action_status: '201' },
    });
    expect(v4.format).to.equal('v4');
    expect(v4.bucket).to.equal('demo');
    expect(v4.fields.find(([n]) => n === 'success_action_status')?.[1]).to.equal('201');
    expect(() => parseSignedPolicy({ host: 'x' })).to.throw(UploadError).with.property('code', 'credentials-invalid');
    expect(() => parseSignedPolicy([])).to.throw(UploadError);
  });

  it('fit other files only when the policy allows them', () => {
    const p = parseSignedPolicy({
      accessid: 'AK', host: 'https://b.oss-cn-hangzhou.aliyuncs.com', signature: 'S', expire: 1, dir: '',
      policy: policy([['content-length-range', 1, 100], ['in', '$content-type', ['image/png']]]),
    });
    expect(policyFits(p, { size: 50, contentType: 'image/png' })).to.equal(true);
    expect(policyFits(p, { size: 500, contentType: 'image/png' })).to.equal(false);
    expect(policyFits(p, { size: 50, contentType: 'text/plain' })).to.equal(false);
  });
});

describe('CredentialCache', () => {
  const signal = new AbortController().signal;

  it('shares one fetch among concurrent callers and keeps the value while valid', async () => {
    let now = 0;
    const cache = new CredentialCache<number>({ minValidity: 60_000, now: () => now });
    let fetches = 0;
    const fetcher = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 10));
      return { value: fetches, expiresAt: now + 120_000 };
    };
    const values = await Promise.all([1, 2, 3].map(() => cache.get('k', () => true, fetcher, signal)));
    expect(values).to.deep.equal([1, 1, 1]);
    expect(await cache.get('k', () => true, fetcher, signal)).to.equal(1);
    now += 61_000; // valid for less than a minute now: refresh, once
    const again = await Promise.all([1, 2].map(() => cache.get('k', () => true, fetcher, signal)));
    expect(again).to.deep.equal([2, 2]);
    expect(fetches).to.equal(2);
  });

  it('does not share a refusal about one file', async () => {
    const cache = new CredentialCache<string>();
    let n = 0;
    const fetcher = async () => {
      n++;
      await new Promise((r) => setTimeout(r, 5));
      if (n === 1) throw new UploadError('too-large', 'big');
      return { value: 'ok', expiresAt: Date.now() + 600_000 };
    };
    const results = await Promise.allSettled([cache.get('k', () => true, fetcher, signal), cache.get('k', () => true, fetcher, signal)]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled']);
  });
});
