// oss-upload/server's sign handler: its signatures against ali-oss's, and its forms posted to the
// emulator over HTTP the way the browser will post them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSignHandler, HttpError, signPolicy, toNodeListener,
  type NodeListener, type SignedPostV1, type SignedPostV4, type SignHandlerOptions,
} from '../../src/server/index.js';
import { postV4Fields, type PostPolicy } from '../../src/signing/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { bytes, client, codeOf, emulator, OSS } from './support/emulator.js';
import { serve, type Served } from './support/http.js';

type Answer = SignedPostV4 | SignedPostV1;

function decodePolicy(field: string): PostPolicy {
  return JSON.parse(Buffer.from(field, 'base64').toString('utf8')) as PostPolicy;
}

function policyOf(answer: Answer): PostPolicy {
  return decodePolicy('fields' in answer ? answer.fields.policy : answer.policy);
}

/** The form the browser sends: the answer's fields, then key, Content-Type, and the file last. */
function formFor(answer: Answer, key: string, contentType: string, file: Uint8Array): FormData {
  const form = new FormData();
  const fields: Record<string, string | undefined> = 'fields' in answer
    ? answer.fields
    : {
      OSSAccessKeyId: answer.accessid, policy: answer.policy, Signature: answer.signature,
      success_action_status: answer.success_action_status, callback: answer.callback, 'x-oss-security-token': answer.security_token,
    };
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  form.append('key', key);
  form.append('Content-Type', contentType);
  form.append('file', new Blob([new Uint8Array(file)], { type: contentType }), key.split('/').pop());
  return form;
}

describe('sign handler: signatures equal ali-oss for the same policy', () => {
  const keys = { accessKeyId: 'LTAI5tReferenceKey', accessKeySecret: 'reference-secret-do-not-leak' };
  const ali = new OSS({ region: 'oss-cn-hangzhou', bucket: 'demo', ...keys });
  const aliV4 = ali as unknown as { signPostObjectPolicyV4(policy: object, date: Date): string };
  const date = new Date('2025-03-04T05:06:07Z');

  test('a fixed policy: V1 equals calculatePostSignature, V4 equals signPostObjectPolicyV4', async () => {
    const v1Policy: PostPolicy = {
      expiration: '2025-03-04T05:16:07.000Z',
      conditions: [{ bucket: 'demo' }, ['starts-with', '$key', 'user/ü/'], ['content-length-range', 0, 1024], ['in', '$content-type', ['image/png']]],
    };
    const v1 = await signPolicy(v1Policy, keys, 'v1', 'cn-hangzhou', date);
    const ref = ali.calculatePostSignature(v1Policy as never) as unknown as { policy: string; Signature: string };
    assert.equal(v1.policy, ref.policy);
    assert.equal(v1.signature, ref.Signature);

    const pinned = postV4Fields(keys.accessKeyId, 'cn-hangzhou', date);
    const v4Policy: PostPolicy = { ...v1Policy, conditions: [...v1Policy.conditions, ...Object.entries(pinned).map(([k, v]) => ({ [k]: v }))] };
    const v4 = await signPolicy(v4Policy, keys, 'v4', 'oss-cn-hangzhou', date);
    assert.equal(v4.signature, aliV4.signPostObjectPolicyV4(v4Policy, date));
    assert.match(v4.signature, /^[0-9a-f]{64}$/);
  });

  for (const version of ['v4', 'v1'] as const) {
    test(`the handler's own ${version} answer carries ali-oss's signature of its policy`, async () => {
      const handle = createSignHandler({
        ...keys, bucket: 'demo', region: 'oss-cn-hangzhou', prefix: 'user/1', signatureVersion: version,
        contentTypes: ['image/png', 'image/jpeg'], maxSize: 1000, minSize: 1, now: () => date,
      });
      const r = await handle(new Request('http://app.test/sign?name=a.png&size=10&type=image/png'));
      assert.equal(r.status, 200);
      const answer = await r.json() as Answer;
      const policy = policyOf(answer);
      assert.equal(policy.expiration, '2025-03-04T05:16:07.000Z');
      assert.equal(answer.expire, Date.parse(policy.expiration) / 1000);
      assert.equal(answer.dir, 'user/1/');
      assert.equal(answer.host, 'https://demo.oss-cn-hangzhou.aliyuncs.com');
      assert.deepEqual(policy.conditions.filter((c) => !('x-oss-date' in c || 'x-oss-credential' in c || 'x-oss-signature-version' in c)), [
        { bucket: 'demo' },
        ['starts-with', '$key', 'user/1/'],
        ['content-length-range', 1, 1000],
        ['in', '$content-type', ['image/png', 'image/jpeg']],
        ['eq', '$success_action_status', '200'],
      ]);
      if ('fields' in answer) {
        assert.equal(answer.fields.policy, Buffer.from(JSON.stringify(policy)).toString('base64'));
        assert.equal(answer.fields['x-oss-signature'], aliV4.signPostObjectPolicyV4(policy, date));
        assert.equal(answer.fields['x-oss-date'], '20250304T050607Z');
        assert.equal(answer.fields['x-oss-credential'], `${keys.accessKeyId}/20250304/cn-hangzhou/oss/aliyun_v4_request`);
        assert.equal(answer.fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
        assert.equal(answer.fields.success_action_status, '200');
        for (const name of ['x-oss-date', 'x-oss-credential', 'x-oss-signature-version'] as const) {
          assert.ok(policy.conditions.some((c) => !Array.isArray(c) && c[name] === answer.fields[name]), `policy pins ${name}`);
        }
      } else {
        const ref = ali.calculatePostSignature(policy as never) as unknown as { policy: string; Signature: string; OSSAccessKeyId: string };
        assert.equal(answer.policy, ref.policy);
        assert.equal(answer.signature, ref.Signature);
        assert.equal(answer.accessid, ref.OSSAccessKeyId);
        assert.equal(answer.success_action_status, '200');
      }
      assert.equal(r.headers.get('cache-control'), 'no-store');
    });
  }
});

describe('sign handler: forms the emulator accepts and refuses', () => {
  let emu: RunningEmulator;
  let app: Served;
  /** Every response the sign endpoint gave, to look for the secrets in. */
  const seen: string[] = [];
  const secrets: string[] = [];
  const routes = new Map<string, NodeListener>();

  before(async () => {
    emu = await emulator();
    secrets.push(emu.accessKeySecret);
    app = await serve((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const route = routes.get(path);
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  after(async () => {
    await app.close();
    await emu.close();
  });

  let routeCount = 0;
  /** Mounts a sign handler on the app server (through toNodeListener) and returns its URL. */
  function mount(options: Partial<SignHandlerOptions> = {}): string {
    const path = `/sign${++routeCount}`;
    routes.set(path, toNodeListener(createSignHandler({
      accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket: emu.buckets[0]!, region: emu.region,
      host: `${emu.url}/${emu.buckets[0]}`, prefix: 'users/u1/', ...options,
    } as SignHandlerOptions)));
    return `${app.url}${path}`;
  }

  /** What the browser does first: GET the endpoint with the file's facts. */
  async function ask(endpoint: string, params: Record<string, string | number> = {}, init?: RequestInit): Promise<{ status: number; body: any }> {
    const url = new URL(endpoint);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
    const r = await fetch(url, init);
    const text = await r.text();
    seen.push(text, JSON.stringify([...r.headers]));
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    return { status: r.status, body: JSON.parse(text) };
  }

  async function signed(endpoint: string, params: Record<string, string | number> = {}): Promise<Answer> {
    const r = await ask(endpoint, params);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Answer;
  }

  async function upload(answer: Answer, key: string, file: Uint8Array, contentType = 'text/plain', tweak?: (form: FormData) => void) {
    const form = formFor(answer, key, contentType, file);
    tweak?.(form);
    const r = await fetch(answer.host, { method: 'POST', body: form });
    return { status: r.status, text: await r.text(), headers: r.headers };
  }

  async function stored(key: string): Promise<Buffer> {
    return Buffer.from((await client(emu).get(key)).content);
  }

  for (const version of ['v4', 'v1'] as const) {
    test(`${version}: the browser's form is accepted and the bytes are stored`, async () => {
      const endpoint = mount({ signatureVersion: version, region: `oss-${emu.region}` });
      const file = bytes(64 * 1024 + 3);
      const answer = await signed(endpoint, { name: 'photo.bin', size: file.length, type: 'application/octet-stream' });
      assert.equal(answer.dir, 'users/u1/');
      if (version === 'v1') assert.ok('accessid' in answer && !('fields' in answer));
      const r = await upload(answer, `${answer.dir}photo-${version}.bin`, file, 'application/octet-stream');
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('etag') ?? '', /^"[0-9A-F]{32}"$/);
      assert.ok(r.headers.get('x-oss-request-id'));
      assert.ok((await stored(`users/u1/photo-${version}.bin`)).equals(file));
    });
  }

  for (const version of ['v4', 'v1'] as const) {
    test(`${version}: STS credentials sign the form, which carries (and a V4 policy pins) the token`, async () => {
      const sts = new OSS.STS({ accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: `${emu.url}/_sts` } as never);
      const role = {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${emu.buckets[0]}/users/*`] }],
      };
      const endpoint = mount({
        accessKeyId: undefined, accessKeySecret: undefined, signatureVersion: version,
        credentials: async () => {
          const { credentials: c } = await sts.assumeRole('acs:ram::1:role/uploader', role, 900, 'session');
          const t = c as unknown as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
          secrets.push(t.AccessKeySecret);
          return { accessKeyId: t.AccessKeyId, accessKeySecret: t.AccessKeySecret, securityToken: t.SecurityToken, expiration: t.Expiration };
        },
      });
      const answer = await signed(endpoint, { name: 'sts.txt', size: 5 });
      const token = 'fields' in answer ? answer.fields['x-oss-security-token'] : answer.security_token;
      assert.ok(token);
      if ('fields' in answer) {
        assert.match(answer.fields['x-oss-credential'], /^STS\./);
        assert.ok(policyOf(answer).conditions.some((c) => !Array.isArray(c) && c['x-oss-security-token'] === token));
      } else {
        assert.match(answer.accessid, /^STS\./);
      }
      const r = await upload(answer, `users/u1/sts-${version}.txt`, Buffer.from('hello'));
      assert.equal(r.status, 200, r.text);
      assert.equal((await stored(`users/u1/sts-${version}.txt`)).toString(), 'hello');

      const noToken = await upload(answer, `users/u1/sts-${version}-2.txt`, Buffer.from('hello'), 'text/plain', (f) => f.delete('x-oss-security-token'));
      assert.equal(noToken.status, 403, noToken.text);
    });
  }

  test('a key outside the granted prefix is refused by the emulator (403 AccessDenied)', async () => {
    const answer = await signed(mount());
    const r = await upload(answer, 'users/u2/steal.txt', Buffer.from('x'));
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.text), 'AccessDenied');
    const sibling = await upload(await signed(mount({ prefix: 'users/u1' })), 'users/u10/x.txt', Buffer.from('x'));
    assert.equal(sibling.status, 403, 'a prefix without "/" still grants only its folder');
  });

  test('a file over maxSize is refused by the emulator even when the browser lied about its size', async () => {
    const endpoint = mount({ maxSize: 1000 });
    const answer = await signed(endpoint, { name: 'big.bin', size: 10 });
    const r = await upload(answer, 'users/u1/big.bin', bytes(1001));
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.text), 'EntityTooLarge');
    await assert.rejects(client(emu).head('users/u1/big.bin'));
    const small = await upload(await signed(mount({ minSize: 10 })), 'users/u1/small.bin', bytes(3));
    assert.equal(codeOf(small.text), 'EntityTooSmall');
  });

  test('a content type outside the list is refused by the emulator', async () => {
    const answer = await signed(mount({ contentTypes: ['image/png'] }), { name: 'a.png', type: 'image/png' });
    const ok = await upload(answer, 'users/u1/a.png', Buffer.from('png'), 'image/png');
    assert.equal(ok.status, 200, ok.text);
    const r = await upload(answer, 'users/u1/a.html', Buffer.from('<script>'), 'text/html');
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.text), 'AccessDenied');
    assert.match(r.text, /content-type/);
  });

  test('another success_action_status than the pinned one is refused', async () => {
    const answer = await signed(mount());
    const r = await upload(answer, 'users/u1/s.txt', Buffer.from('x'), 'text/plain', (f) => f.set('success_action_status', '201'));
    assert.equal(r.status, 403);
    assert.match(r.text, /success_action_status/);
  });

  test('an expired policy is refused by the emulator', async () => {
    const answer = await signed(mount({ expiresIn: 1 }));
    assert.ok(answer.expire - Date.now() / 1000 <= 1);
    await new Promise((r) => setTimeout(r, 2100));
    const r = await upload(answer, 'users/u1/late.txt', Buffer.from('x'));
    assert.equal(r.status, 403);
    assert.match(r.text, /Policy expired/);
  });

  test('the callback is sent, pinned, and its answer comes back through OSS', async () => {
    const calls: string[] = [];
    const cbServer = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls.push(Buffer.concat(chunks).toString());
        const text = JSON.stringify({ ok: true });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
      });
    });
    try {
      const answer = await signed(mount({ callback: { url: `${cbServer.url}/uploaded`, bodyType: 'application/json' } }));
      const callback = 'fields' in answer ? answer.fields.callback : undefined;
      assert.ok(callback);
      assert.deepEqual(JSON.parse(Buffer.from(callback, 'base64').toString()).callbackUrl, `${cbServer.url}/uploaded`);
      assert.ok(policyOf(answer).conditions.some((c) => !Array.isArray(c) && c.callback === callback));
      const r = await upload(answer, 'users/u1/cb.txt', Buffer.from('called'));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), { ok: true });
      assert.equal(calls.length, 1);
      const body = JSON.parse(calls[0]!);
      assert.equal(body.object, 'users/u1/cb.txt');
      assert.equal(body.size, 6);
      assert.equal(body.bucket, emu.buckets[0]);
      const stripped = await upload(answer, 'users/u1/cb2.txt', Buffer.from('x'), 'text/plain', (f) => f.delete('callback'));
      assert.equal(stripped.status, 403, 'the callback cannot be dropped');
    } finally {
      await cbServer.close();
    }
  });

  test('a proposed dir: allowed ones extend the prefix; others 403; unsafe ones 400', async () => {
    const endpoint = mount({ allowedDirs: ['avatars', 'docs/2025/'] });
    const answer = await signed(endpoint, { dir: 'avatars/' });
    assert.equal(answer.dir, 'users/u1/avatars/');
    const ok = await upload(answer, 'users/u1/avatars/me.txt', Buffer.from('me'));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await signed(endpoint, { dir: 'docs/2025' })).dir, 'users/u1/docs/2025/');

    for (const dir of ['secrets', 'avatars/sub', 'docs']) {
      const r = await ask(endpoint, { dir });
      assert.equal(r.status, 403, dir);
      assert.equal(r.body.code, 'DirNotAllowed');
      assert.equal(typeof r.body.message, 'string');
    }
    assert.equal((await ask(mount(), { dir: 'avatars' })).status, 403, 'no allow-list: every proposal is refused');

    for (const dir of ['../u2', 'avatars/../../u2', '..', '/etc', 'a\\b', 'a\u0000b', 'a\nb', 'a//b', './x']) {
      const r = await ask(endpoint, { dir });
      assert.equal(r.status, 400, JSON.stringify(dir));
      assert.equal(r.body.code, 'InvalidDir');
    }
  });

  test('size and type are checked before any byte is sent', async () => {
    const endpoint = mount({ maxSize: 1000, minSize: 1, contentTypes: ['image/png', 'image/webp'] });
    const big = await ask(endpoint, { name: 'a.png', size: 1001, type: 'image/png' });
    assert.deepEqual([big.status, big.body.code, big.body.maxSize], [413, 'FileTooLarge', 1000]);
    const small = await ask(endpoint, { name: 'a.png', size: 0, type: 'image/png' });
    assert.deepEqual([small.status, small.body.code], [400, 'FileTooSmall']);
    const type = await ask(endpoint, { name: 'a.gif', size: 10, type: 'image/gif' });
    assert.deepEqual([type.status, type.body.code], [415, 'ContentTypeNotAllowed']);
    const nonsense = await ask(endpoint, { size: '12abc' });
    assert.deepEqual([nonsense.status, nonsense.body.code], [400, 'InvalidSize']);
    const huge = await ask(mount(), { size: 6 * 1024 ** 3 });
    assert.equal(huge.status, 413);
    assert.match(huge.body.message, /sts/);
  });

  test('POST with a JSON body works like GET; other methods get 405', async () => {
    const endpoint = mount({ allowedDirs: ['avatars'], maxSize: 100 });
    const post = (body: string) => ask(endpoint, {}, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const ok = await post(JSON.stringify({ name: 'a.txt', size: 3, type: 'text/plain', dir: 'avatars' }));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.dir, 'users/u1/avatars/');
    const r = await upload(ok.body, 'users/u1/avatars/post.txt', Buffer.from('abc'));
    assert.equal(r.status, 200, r.text);
    assert.equal((await post(JSON.stringify({ size: 101 }))).body.code, 'FileTooLarge');
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(JSON.stringify({ dir: 'x', pad: 'y'.repeat(20_000) }))).status, 413);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const r405 = await ask(endpoint, {}, { method });
      assert.equal(r405.status, 405);
      assert.equal(r405.body.code, 'MethodNotAllowed');
    }
  });

  test('the prefix can depend on the request, and refuse it', async () => {
    const endpoint = mount({
      prefix: (request) => {
        const user = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
        if (!user) throw new HttpError(401, 'Unauthorized', 'Sign in first.');
        return `users/${user}`;
      },
    });
    const anon = await ask(endpoint);
    assert.deepEqual([anon.status, anon.body.code], [401, 'Unauthorized']);
    const r = await ask(endpoint, { name: 'x' }, { headers: { authorization: 'Bearer alice' } });
    assert.equal(r.body.dir, 'users/alice/');
  });

  test('a failing credentials() gives 503 without its message', async () => {
    const errors: unknown[] = [];
    const endpoint = mount({
      accessKeyId: undefined, accessKeySecret: undefined,
      credentials: () => { throw new Error(`STS down, secret ${emu.accessKeySecret}`); },
      onError: (err) => errors.push(err),
    });
    const r = await ask(endpoint);
    assert.deepEqual([r.status, r.body.code], [503, 'CredentialsUnavailable']);
    assert.equal(errors.length, 1);
  });

  test('no secret appears in any response body or header', () => {
    assert.ok(seen.length > 40, `only ${seen.length} responses seen`);
    for (const secret of secrets) {
      for (const text of seen) assert.ok(!text.includes(secret), 'a secret leaked into a response');
    }
  });
});

describe('toNodeListener', () => {
  type ErrorHandler = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;
  /** A minimal Connect: runs middlewares in order, each with next(err?); an error skips to the error handler. */
  function connect(stack: NodeListener[], onError: ErrorHandler) {
    return (req: IncomingMessage, res: ServerResponse) => {
      let i = 0;
      const next = (err?: unknown): void => {
        if (err) return onError(err, req, res);
        const layer = stack[i++];
        if (layer) layer(req, res, next);
        else res.writeHead(404).end('not found');
      };
      next();
    };
  }

  const handler = createSignHandler({
    accessKeyId: 'LTAI5tNodeTest', accessKeySecret: 'node-test-secret', bucket: 'demo', region: 'cn-hangzhou', allowedDirs: ['a'],
  });
  const sign = toNodeListener(handler);

  test('works as Connect/Express middleware: mount path, a body parser before it, next(err) on a throw', async () => {
    const echo = toNodeListener(async (request) => Response.json({
      url: request.url, method: request.method, header: request.headers.get('x-test'), body: request.body ? await request.text() : null,
    }, { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']] }));
    const boom = toNodeListener(() => { throw new Error('boom'); });
    const app = await serve(connect([
      (req, res, next) => { res.setHeader('x-from-middleware', 'yes'); next!(); },
      (req, _res, next) => {
        // Express-style mount: strip /api, keep originalUrl.
        const r = req as IncomingMessage & { originalUrl?: string };
        r.originalUrl = req.url;
        if (req.url?.startsWith('/api/')) req.url = req.url.slice(4);
        next!();
      },
      (req, res, next) => (req.url?.startsWith('/sign') ? sign(req, res, next) : next!()),
      (req, res, next) => {
        if (req.url !== '/parsed') return next!();
        // A JSON body parser ran first: the stream is consumed, req.body holds the object.
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          (req as IncomingMessage & { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
          echo(req, res, next);
        });
      },
      (req, res, next) => (req.url?.startsWith('/echo') ? echo(req, res, next) : next!()),
      (req, res, next) => (req.url === '/boom' ? boom(req, res, next) : next!()),
    ], (err, _req, res) => {
      res.writeHead(599).end(`handled: ${(err as Error).message}`);
    }));
    try {
      const r = await fetch(`${app.url}/api/sign?dir=a&size=1`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-from-middleware'), 'yes');
      assert.equal(((await r.json()) as SignedPostV4).dir, 'uploads/a/');

      const refused = await fetch(`${app.url}/api/sign?dir=b`);
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { code: string }).code, 'DirNotAllowed');

      const echoed = await fetch(`${app.url}/api/echo?q=1`, { method: 'POST', headers: { 'x-test': 't' }, body: 'streamed body' });
      assert.deepEqual(await echoed.json(), { url: `${app.url}/api/echo?q=1`, method: 'POST', header: 't', body: 'streamed body' });
      assert.deepEqual(echoed.headers.getSetCookie(), ['a=1', 'b=2']);

      const big = bytes(3 * 1024 * 1024);
      const streamed = await fetch(`${app.url}/echo`, { method: 'PUT', body: big });
      assert.equal(((await streamed.json()) as { body: string }).body, big.toString());

      const parsed = await fetch(`${app.url}/parsed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' });
      assert.equal(((await parsed.json()) as { body: string }).body, '{"x":1}');

      const failed = await fetch(`${app.url}/boom`);
      assert.equal(failed.status, 599);
      assert.equal(await failed.text(), 'handled: boom');

      assert.equal((await fetch(`${app.url}/nothing`)).status, 404);
    } finally {
      await app.close();
    }
  });

  test('works as a plain node:http listener; a throw without next is a JSON 500', async () => {
    const app = await serve((req, res) => (req.url === '/boom' ? toNodeListener(() => { throw new Error('x'); })(req, res) : sign(req, res)));
    try {
      const r = await fetch(`${app.url}/anything?size=1`);
      assert.equal(r.status, 200);
      const answer = (await r.json()) as SignedPostV4;
      assert.equal(answer.host, 'https://demo.oss-cn-hangzhou.aliyuncs.com');
      assert.equal(answer.fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
      const failed = await fetch(`${app.url}/boom`);
      assert.equal(failed.status, 500);
      assert.equal(((await failed.json()) as { code: string }).code, 'InternalError');
    } finally {
      await app.close();
    }
  });
});

describe('createSignHandler options', () => {
  const base = { accessKeyId: 'id', accessKeySecret: 'secret', bucket: 'demo', region: 'cn-hangzhou' };
  test('refuses configurations that would sign something unsafe or impossible', () => {
    assert.throws(() => createSignHandler({ ...base, accessKeySecret: undefined }), /accessKeySecret/);
    assert.throws(() => createSignHandler({ ...base, credentials: async () => base }), /not both/);
    assert.throws(() => createSignHandler({ ...base, maxSize: 6 * 1024 ** 3 }), /sts/);
    assert.throws(() => createSignHandler({ ...base, prefix: '../x' }), /prefix/);
    assert.throws(() => createSignHandler({ ...base, allowedDirs: ['/abs'] }), /allowedDirs/);
    assert.throws(() => createSignHandler({ ...base, contentTypes: ['image/*'] }), /wildcard/);
    assert.throws(() => createSignHandler({ ...base, expiresIn: 8 * 24 * 3600 }), /expiresIn/);
    assert.throws(() => createSignHandler({ ...base, bucket: 'Bad_Bucket' }), /bucket/);
  });

  test('defaults: V4, uploads/ prefix, 0…5 GiB, 600 s, success_action_status 200', async () => {
    const now = new Date('2025-01-01T00:00:00.500Z');
    const r = await createSignHandler({ ...base, now: () => now })(new Request('http://x/sign'));
    const answer = (await r.json()) as SignedPostV4;
    const policy = decodePolicy(answer.fields.policy);
    assert.equal(answer.dir, 'uploads/');
    assert.equal(answer.expire, Date.parse('2025-01-01T00:10:00Z') / 1000);
    assert.equal(answer.fields.success_action_status, '200');
    assert.ok(policy.conditions.some((c) => JSON.stringify(c) === JSON.stringify(['content-length-range', 0, 5 * 1024 ** 3])));
    assert.equal(answer.fields.callback, undefined);
    assert.equal(answer.fields['x-oss-security-token'], undefined);
  });

  test('the policy never outlives STS credentials that expire sooner', async () => {
    const now = new Date('2025-01-01T00:00:00Z');
    const handle = createSignHandler({
      bucket: 'demo', region: 'cn-hangzhou', now: () => now,
      credentials: () => ({ accessKeyId: 'STS.x', accessKeySecret: 's', securityToken: 't', expiration: '2025-01-01T00:02:00Z' }),
    });
    const answer = (await (await handle(new Request('http://x/'))).json()) as SignedPostV4;
    assert.equal(answer.expire, Date.parse('2025-01-01T00:02:00Z') / 1000);
    const expired = createSignHandler({
      bucket: 'demo', region: 'cn-hangzhou', now: () => now,
      credentials: () => ({ accessKeyId: 'STS.x', accessKeySecret: 's', expiration: '2024-12-31T23:59:00Z' }),
    });
    assert.equal((await expired(new Request('http://x/'))).status, 503);
  });
});
