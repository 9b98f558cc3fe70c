// The emulator's STS, driven by ali-oss's own `STS` client (the independent peer) through a tiny
// node:http server, plus RAM policy evaluation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import OSS from 'ali-oss';
import {
  StsService, evaluatePolicy, validatePolicy, resourceArn, percentEncode, rpcStringToSign, rpcSignature, StsError,
} from '../../src/emulator/sts.js';
import type { RamPolicy } from '../../src/emulator/types.js';

const ROOT = { accessKeyId: 'LTAI5tEmulatorRootKey', accessKeySecret: 'emulator-root-secret' };
const ROLE = 'acs:ram::1234567890123456:role/uploader';

interface Running { url: string; close(): Promise<void> }

async function serve(sts: StsService): Promise<Running> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== '/_sts' || (req.method !== 'POST' && req.method !== 'GET')) {
        res.writeHead(404).end();
        return;
      }
      sts.handle({ method: req.method, headers: req.headers, url: req.url ?? '/' }, Buffer.concat(chunks)).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
        },
        (err: Error) => res.writeHead(500).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/_sts`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function client(url: string, creds = ROOT): OSS.STS {
  // ali-oss's STS takes `endpoint` (lib/sts.js); @types/ali-oss's STSOptions omits it.
  const options: OSS.STSOptions & { endpoint: string } = { ...creds, endpoint: url };
  return new OSS.STS(options);
}

/** ali-oss's own RPC signer (not in its typings), to hand-build requests ali-oss's assumeRole cannot make. */
function aliSign(method: string, params: Record<string, string>, secret: string): string {
  const sts = client('http://unused', ROOT) as unknown as { _getSignature(m: string, p: object, k: string): string };
  return sts._getSignature(method, params, secret);
}

function rpcParams(extra: Record<string, string | undefined>, creds = ROOT): Record<string, string> {
  const params: Record<string, string | undefined> = {
    Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'hand', DurationSeconds: '900',
    Format: 'JSON', Version: '2015-04-01', AccessKeyId: creds.accessKeyId,
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: String(Math.random()),
    Timestamp: new Date().toISOString(), ...extra,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** POST (or GET) a hand-built, ali-oss-signed RPC request; answers status and parsed JSON. */
async function rawCall(url: string, params: Record<string, string>, secret = ROOT.accessKeySecret, method = 'POST') {
  const signed = { ...params, Signature: aliSign(method, params, secret) };
  const form = new URLSearchParams(signed).toString();
  const res = method === 'GET'
    ? await fetch(`${url}?${form}`)
    : await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function rejectsWith(p: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(p, (err: Error & { code?: string; status?: number; requestId?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, status);
    assert.ok(err.message.startsWith(`${code}: `), err.message);
    assert.match(err.requestId ?? '', /^[0-9A-F-]{36}$/);
    return true;
  });
}

const prefixPolicy: RamPolicy = {
  Version: '1',
  Statement: [{
    Effect: 'Allow',
    Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
    Resource: ['acs:oss:*:*:demo/user-1/*'],
  }],
};

describe('emulator STS: AssumeRole through ali-oss', () => {
  let dataDir: string;
  let sts: StsService;
  let server: Running;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'oss-sts-'));
    sts = new StsService({ rootCredentials: [ROOT], dataDir });
    server = await serve(sts);
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('OSS.STS is ali-oss\'s STS class', () => {
    assert.equal(typeof OSS.STS, 'function');
    assert.equal(typeof client(server.url).assumeRole, 'function');
  });

  test('issues credentials with a policy and 900 s', async () => {
    const started = Date.now();
    const { credentials, res } = await client(server.url).assumeRole(ROLE, prefixPolicy, 900, 'user-1') as
      { credentials: OSS.Credentials; res: { status: number } };
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(credentials).sort(), ['AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken']);
    assert.match(credentials.AccessKeyId, /^STS\.[A-Za-z0-9]{25}$/);
    assert.match(credentials.AccessKeySecret, /^[A-Za-z0-9]{44}$/);
    assert.match(credentials.SecurityToken, /^CAIS[A-Za-z0-9+/=]{100,}$/);
    assert.match(credentials.Expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const expires = Date.parse(credentials.Expiration);
    // At least the 900 s asked for, rounded up to a whole second.
    assert.ok(expires >= started + 900_000 && expires < Date.now() + 901_000, credentials.Expiration);

    // lookup / findByToken see the same record, policy included.
    const rec = sts.lookup(credentials.AccessKeyId);
    assert.ok(rec);
    assert.equal(rec.accessKeySecret, credentials.AccessKeySecret);
    assert.equal(rec.securityToken, credentials.SecurityToken);
    assert.equal(rec.expiration?.getTime(), expires);
    assert.deepEqual(rec.policy, prefixPolicy);
    assert.equal(sts.findByToken(credentials.SecurityToken)?.accessKeyId, credentials.AccessKeyId);
    assert.equal(sts.findByToken('CAISnot-a-token'), undefined);
  });

  test('lookup: the root pair has no token; unknown ids are undefined', () => {
    assert.deepEqual(sts.lookup(ROOT.accessKeyId), { ...ROOT });
    assert.equal(sts.lookup('STS.nope'), undefined);
  });

  test('the raw answer carries RequestId and AssumedRoleUser; no policy means none on the record', async () => {
    const { status, body } = await rawCall(server.url, rpcParams({ RoleSessionName: 'alice@example.com' }));
    assert.equal(status, 200);
    assert.match(String(body['RequestId']), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    const user = body['AssumedRoleUser'] as { Arn: string; AssumedRoleId: string };
    assert.equal(user.Arn, 'acs:ram::1234567890123456:role/uploader/alice@example.com');
    assert.match(user.AssumedRoleId, /^\d{17}:alice@example\.com$/);
    const creds = body['Credentials'] as { AccessKeyId: string };
    assert.equal(sts.lookup(creds.AccessKeyId)?.policy, undefined);
  });

  test('GET with query parameters is accepted', async () => {
    const { status, body } = await rawCall(server.url, rpcParams({}), ROOT.accessKeySecret, 'GET');
    assert.equal(status, 200, JSON.stringify(body));
    assert.match((body['Credentials'] as { AccessKeyId: string }).AccessKeyId, /^STS\./);
  });

  test('wrong secret → 400 SignatureDoesNotMatch, with the server string to sign', async () => {
    await rejectsWith(client(server.url, { ...ROOT, accessKeySecret: 'wrong' }).assumeRole(ROLE, prefixPolicy, 900), 'SignatureDoesNotMatch', 400);
    const { body } = await rawCall(server.url, rpcParams({}), 'wrong');
    assert.match(String(body['Message']), /^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&AccessKeyId%3D/);
    assert.equal(body['HostId'], new URL(server.url).host);
  });

  test('unknown AccessKeyId → 404 InvalidAccessKeyId.NotFound', async () => {
    await rejectsWith(client(server.url, { accessKeyId: 'LTAInobody', accessKeySecret: 'x' }).assumeRole(ROLE), 'InvalidAccessKeyId.NotFound', 404);
  });

  test('DurationSeconds below the minimum or above the maximum → 400 InvalidParameter.DurationSeconds', async () => {
    await rejectsWith(client(server.url).assumeRole(ROLE, prefixPolicy, 899), 'InvalidParameter.DurationSeconds', 400);
    await rejectsWith(client(server.url).assumeRole(ROLE, prefixPolicy, 3601), 'InvalidParameter.DurationSeconds', 400);
    await client(server.url).assumeRole(ROLE, prefixPolicy, 3600);
    const { body } = await rawCall(server.url, rpcParams({ DurationSeconds: '12.5' }));
    assert.equal(body['Code'], 'InvalidParameter.DurationSeconds');
  });

  test('a policy that is JSON but not RAM grammar → 400 InvalidParameter.PolicyGrammar', async () => {
    await rejectsWith(client(server.url).assumeRole(ROLE, { Version: '1', Statement: 'nope' }, 900), 'InvalidParameter.PolicyGrammar', 400);
    await rejectsWith(client(server.url).assumeRole(ROLE, { Version: '1', Statement: [{ Effect: 'Permit', Action: 'oss:*', Resource: '*' }] }, 900),
      'InvalidParameter.PolicyGrammar', 400);
  });

  test('malformed policy JSON → 400 InvalidParameter.PolicyGrammar (ali-oss refuses to send it itself)', async () => {
    await assert.rejects(client(server.url).assumeRole(ROLE, '{"Version": "1",', 900), /Policy string is not a valid JSON/);
    const { status, body } = await rawCall(server.url, rpcParams({ Policy: '{"Version": "1",' }));
    assert.equal(status, 400);
    assert.equal(body['Code'], 'InvalidParameter.PolicyGrammar');
  });

  test('a policy longer than 2048 characters → 400 InvalidParameter.PolicySize', async () => {
    const big: RamPolicy = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: Array.from({ length: 80 }, (_, i) => resourceArn('demo', `some/long/prefix/${i}/*`)) }] };
    assert.ok(JSON.stringify(big).length > 2048);
    await rejectsWith(client(server.url).assumeRole(ROLE, big, 900), 'InvalidParameter.PolicySize', 400);
  });

  test('RoleArn and RoleSessionName are checked', async () => {
    await rejectsWith(client(server.url).assumeRole('arn:aws:iam::1:role/x', undefined, 900), 'InvalidParameter.RoleArn', 400);
    await rejectsWith(client(server.url).assumeRole(ROLE, undefined, 900, 'a'), 'InvalidParameter.RoleSessionName', 400);
    await rejectsWith(client(server.url).assumeRole(ROLE, undefined, 900, 'has space'), 'InvalidParameter.RoleSessionName', 400);
    await rejectsWith(client(server.url).assumeRole(ROLE, undefined, 900, 'x'.repeat(65)), 'InvalidParameter.RoleSessionName', 400);
    const { body } = await rawCall(server.url, rpcParams({ RoleArn: undefined }));
    assert.equal(body['Code'], 'MissingRoleArn');
  });

  test('Timestamp skew over 15 minutes, a bad Timestamp, a reused nonce, another Action', async () => {
    const old = new Date(Date.now() - 16 * 60_000).toISOString();
    assert.equal((await rawCall(server.url, rpcParams({ Timestamp: old }))).body['Code'], 'InvalidTimeStamp.Expired');
    assert.equal((await rawCall(server.url, rpcParams({ Timestamp: '2024-01-01 00:00:00' }))).body['Code'], 'InvalidTimeStamp.Format');
    const params = rpcParams({ SignatureNonce: 'fixed-nonce-1' });
    assert.equal((await rawCall(server.url, params)).status, 200);
    const again = await rawCall(server.url, params);
    assert.equal(again.status, 400);
    assert.equal(again.body['Code'], 'SignatureNonceUsed');
    const other = await rawCall(server.url, rpcParams({ Action: 'GetCallerIdentity' }));
    assert.equal(other.status, 404);
    assert.equal(other.body['Code'], 'InvalidAction.NotFound');
  });

  test('temporary credentials cannot assume the role', async () => {
    const { credentials } = await client(server.url).assumeRole(ROLE, undefined, 900);
    const temp = { accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret };
    // ali-oss never sends a SecurityToken: what Alibaba answers then.
    await rejectsWith(client(server.url, temp).assumeRole(ROLE, undefined, 900), 'MissingSecurityToken', 400);
    const withToken = await rawCall(server.url, rpcParams({ SecurityToken: credentials.SecurityToken }, temp), temp.accessKeySecret);
    assert.equal(withToken.status, 403);
    assert.equal(withToken.body['Code'], 'NoPermission');
  });

  test('issued credentials persist in dataDir and load in a new instance', async () => {
    const { credentials } = await client(server.url).assumeRole(ROLE, prefixPolicy, 1200, 'persisted');
    assert.ok(existsSync(join(dataDir, 'sts.json')));
    const reborn = new StsService({ rootCredentials: [ROOT], dataDir });
    const rec = reborn.lookup(credentials.AccessKeyId);
    assert.ok(rec);
    assert.equal(rec.accessKeySecret, credentials.AccessKeySecret);
    assert.equal(rec.expiration?.toISOString().replace('.000Z', 'Z'), credentials.Expiration);
    assert.deepEqual(rec.policy, prefixPolicy);
    assert.equal(reborn.findByToken(credentials.SecurityToken)?.accessKeyId, credentials.AccessKeyId);
    // A different folder knows nothing of it.
    const elsewhere = mkdtempSync(join(tmpdir(), 'oss-sts-other-'));
    try {
      assert.equal(new StsService({ rootCredentials: [ROOT], dataDir: elsewhere }).lookup(credentials.AccessKeyId), undefined);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('emulator STS: short durations', () => {
  test('minDurationSeconds 1 issues a token that lookup shows expired after ~1.1 s', async () => {
    const sts = new StsService({ rootCredentials: [ROOT], minDurationSeconds: 1, maxDurationSeconds: 60 });
    const server = await serve(sts);
    try {
      const before = Date.now();
      const { credentials } = await client(server.url).assumeRole(ROLE, prefixPolicy, 1, 'short');
      const after = Date.now();
      const rec = sts.lookup(credentials.AccessKeyId);
      assert.ok(rec?.expiration);
      // At least the second asked for, at most a second more (whole seconds, rounded up).
      assert.ok(rec.expiration.getTime() >= before + 1000 && rec.expiration.getTime() < after + 2000, rec.expiration.toISOString());
      assert.equal(rec.expiration.getTime(), Date.parse(credentials.Expiration));
      const lapse = rec.expiration.getTime() - Date.now() + 50;
      await new Promise((r) => setTimeout(r, lapse));
      const later = sts.lookup(credentials.AccessKeyId);
      assert.ok(later?.expiration, 'expired credentials are still returned');
      assert.ok(later.expiration.getTime() <= Date.now(), `${later.expiration.toISOString()} should be past`);
      assert.equal(sts.findByToken(credentials.SecurityToken)?.accessKeyId, credentials.AccessKeyId);
      await rejectsWith(client(server.url).assumeRole(ROLE, undefined, 61), 'InvalidParameter.DurationSeconds', 400);
    } finally {
      await server.close();
    }
  });

  test('an injected clock drives expiration; a token lives at least DurationSeconds, and exactly as long as its Expiration says', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.250Z');
    const sts = new StsService({ rootCredentials: [ROOT], now: () => clock });
    const params = rpcParams({ Timestamp: '2030-01-01T00:00:00Z', DurationSeconds: '900' });
    const signed = { ...params, Signature: aliSign('POST', params, ROOT.accessKeySecret) };
    const res = await sts.handle(
      { method: 'POST', url: '/_sts', headers: { host: 'sts.aliyuncs.com', 'content-type': 'application/x-www-form-urlencoded' } },
      Buffer.from(new URLSearchParams(signed).toString()),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const creds = (res.body as { Credentials: { AccessKeyId: string; Expiration: string } }).Credentials;
    // 00:15:00.250 rounded up to the whole second, in STS's own format (no milliseconds).
    assert.equal(creds.Expiration, '2030-01-01T00:15:01Z');
    assert.equal(sts.lookup(creds.AccessKeyId)?.expiration?.getTime(), Date.parse(creds.Expiration));
    clock += 16 * 60_000;
    const late = await sts.handle({ method: 'POST', url: '/_sts', headers: { host: 'sts.aliyuncs.com' } },
      Buffer.from(new URLSearchParams({ ...signed, SignatureNonce: 'n2', Signature: aliSign('POST', { ...params, SignatureNonce: 'n2' }, ROOT.accessKeySecret) }).toString()));
    assert.equal(late.status, 400);
    assert.equal((late.body as { Code: string; HostId: string }).Code, 'InvalidTimeStamp.Expired');
    assert.equal((late.body as { HostId: string }).HostId, 'sts.aliyuncs.com');
  });
});

describe('RPC signature', () => {
  test('Alibaba\'s documented RPC example (DescribeRegions, testsecret)', () => {
    const params = new Map(Object.entries({
      AccessKeyId: 'testid', Action: 'DescribeRegions', Format: 'XML', SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', SignatureVersion: '1.0',
      Timestamp: '2016-02-23T12:46:24Z', Version: '2014-05-26',
    }));
    const sts = rpcStringToSign('GET', params);
    assert.equal(sts, 'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1'
      + '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0'
      + '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26');
    assert.equal(rpcSignature('testsecret', sts), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  test('percentEncode follows Alibaba\'s rules', () => {
    assert.equal(percentEncode("a b*c~d!'()+/é"), 'a%20b%2Ac~d%21%27%28%29%2B%2F%C3%A9');
  });

  test('agrees with ali-oss\'s signer on a policy with every awkward character', () => {
    const params = rpcParams({ Policy: JSON.stringify({ x: "a b*c~d!'()+/é&=" }) });
    const ours = rpcSignature(ROOT.accessKeySecret, rpcStringToSign('POST', new Map(Object.entries(params))));
    assert.equal(ours, aliSign('POST', params, ROOT.accessKeySecret));
  });
});

describe('validatePolicy', () => {
  test('accepts RAM grammar, normalizes a single statement object', () => {
    assert.deepEqual(validatePolicy(JSON.stringify(prefixPolicy)), prefixPolicy);
    const one = validatePolicy('{"Version":"1","Statement":{"Effect":"Deny","Action":"oss:*","Resource":"*"}}');
    assert.deepEqual(one.Statement, [{ Effect: 'Deny', Action: 'oss:*', Resource: '*' }]);
  });

  test('refuses what it cannot evaluate faithfully', () => {
    for (const bad of [
      'nope', '[]', '{"Statement":[]}', '{"Version":"2","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}',
      '{"Version":"1","Statement":[]}',
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{}}]}',
      '{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:*","Resource":"*"}]}',
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":"PutObject","Resource":"*"}]}',
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"demo/*"}]}',
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}',
    ]) {
      assert.throws(() => validatePolicy(bad), (err: StsError) => err instanceof StsError && err.code === 'InvalidParameter.PolicyGrammar', bad);
    }
  });
});

describe('evaluatePolicy', () => {
  const allow = (Action: string | string[], Resource: string | string[]): RamPolicy['Statement'][number] => ({ Effect: 'Allow', Action, Resource });
  const deny = (Action: string | string[], Resource: string | string[]): RamPolicy['Statement'][number] => ({ Effect: 'Deny', Action, Resource });

  test('no policy allows everything', () => {
    assert.equal(evaluatePolicy(undefined, 'oss:DeleteObject', 'any', 'thing'), true);
  });

  test('a prefix Allow scopes to that prefix and bucket', () => {
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'demo', 'user-1/a.txt'), true);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'demo', 'user-1/deep/er/b.bin'), true);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'demo', 'user-2/a.txt'), false);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'demo', 'user-1'), false);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'other', 'user-1/a.txt'), false);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:PutObject', 'demo2', 'user-1/a.txt'), false);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:GetObject', 'demo', 'user-1/a.txt'), false, 'action not listed');
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:ListParts', 'demo', 'user-1/a.txt'), true);
    assert.equal(evaluatePolicy(prefixPolicy, 'oss:ListObjects', 'demo', ''), false, 'bucket-level action needs the bucket resource');
  });

  test('action wildcards and case-insensitive action names', () => {
    const p = (a: string | string[]): RamPolicy => ({ Version: '1', Statement: [allow(a, resourceArn('demo', '*'))] });
    assert.equal(evaluatePolicy(p('oss:*'), 'oss:DeleteObject', 'demo', 'k'), true);
    assert.equal(evaluatePolicy(p('*'), 'oss:GetObject', 'demo', 'k'), true);
    assert.equal(evaluatePolicy(p('oss:Put*'), 'oss:PutObject', 'demo', 'k'), true);
    assert.equal(evaluatePolicy(p('oss:Put*'), 'oss:GetObject', 'demo', 'k'), false);
    assert.equal(evaluatePolicy(p('OSS:putobject'), 'oss:PutObject', 'demo', 'k'), true);
    assert.equal(evaluatePolicy(p('oss:?etObject'), 'oss:GetObject', 'demo', 'k'), true);
    assert.equal(evaluatePolicy(p(['oss:GetObject', 'oss:PutObject']), 'PutObject', 'demo', 'k'), true, 'bare action names mean oss:');
    assert.equal(evaluatePolicy(p('ecs:*'), 'oss:PutObject', 'demo', 'k'), false);
  });

  test('resource wildcards, regions, accounts, bucket-level resources', () => {
    const p = (r: string | string[]): RamPolicy => ({ Version: '1', Statement: [allow('oss:*', r)] });
    assert.equal(evaluatePolicy(p('acs:oss:*:*:demo/user-?/a.txt'), 'oss:GetObject', 'demo', 'user-7/a.txt'), true);
    assert.equal(evaluatePolicy(p('acs:oss:*:*:demo/user-?/a.txt'), 'oss:GetObject', 'demo', 'user-77/a.txt'), false);
    assert.equal(evaluatePolicy(p('acs:oss:*:*:demo/User-1/*'), 'oss:GetObject', 'demo', 'user-1/a'), false, 'keys are case-sensitive');
    assert.equal(evaluatePolicy(p('acs:oss:*:*:*'), 'oss:GetObject', 'anybucket', 'any/key'), true);
    assert.equal(evaluatePolicy(p('*'), 'oss:GetObject', 'anybucket', 'any/key'), true);
    assert.equal(evaluatePolicy(p('acs:oss:cn-hangzhou:1234:demo/*'), 'oss:GetObject', 'demo', 'k'), true, 'region/account unknown: any');
    assert.equal(evaluatePolicy(p('acs:oss:cn-hangzhou:1234:demo/*'), 'oss:GetObject', 'demo', 'k', { region: 'cn-beijing' }), false);
    assert.equal(evaluatePolicy(p('acs:oss:cn-*:*:demo/*'), 'oss:GetObject', 'demo', 'k', { region: 'cn-beijing', accountId: '1' }), true);
    assert.equal(evaluatePolicy(p('acs:ecs:*:*:demo/*'), 'oss:GetObject', 'demo', 'k'), false);
    assert.equal(evaluatePolicy(p(resourceArn('demo')), 'oss:ListObjects', 'demo', ''), true);
    assert.equal(evaluatePolicy(p(resourceArn('demo')), 'oss:ListMultipartUploads', 'demo', ''), true);
    assert.equal(evaluatePolicy(p(resourceArn('demo')), 'oss:GetObject', 'demo', 'k'), false);
    assert.equal(evaluatePolicy(p(resourceArn('demo', '*')), 'oss:ListObjects', 'demo', ''), false);
    assert.equal(evaluatePolicy(p('acs:oss:*:*:demo/a:b/*'), 'oss:GetObject', 'demo', 'a:b/c'), true, 'colons in keys');
  });

  test('explicit Deny wins over Allow', () => {
    const p: RamPolicy = { Version: '1', Statement: [allow('oss:*', 'acs:oss:*:*:demo/*'), deny('oss:DeleteObject', 'acs:oss:*:*:demo/keep/*')] };
    assert.equal(evaluatePolicy(p, 'oss:DeleteObject', 'demo', 'keep/x'), false);
    assert.equal(evaluatePolicy(p, 'oss:PutObject', 'demo', 'keep/x'), true);
    assert.equal(evaluatePolicy(p, 'oss:DeleteObject', 'demo', 'tmp/x'), true);
    const onlyDeny: RamPolicy = { Version: '1', Statement: [deny('oss:GetObject', '*')] };
    assert.equal(evaluatePolicy(onlyDeny, 'oss:PutObject', 'demo', 'k'), false, 'no Allow: implicit deny');
  });

  test('resourceArn', () => {
    assert.equal(resourceArn('demo'), 'acs:oss:*:*:demo');
    assert.equal(resourceArn('demo', 'user-1/*'), 'acs:oss:*:*:demo/user-1/*');
  });
});
