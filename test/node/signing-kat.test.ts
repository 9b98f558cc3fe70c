// Known-answer vectors from OSS-PROTOCOL.md Appendix A (Alibaba's Go SDK v2 signer tests).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  v1StringToSign, v1Signature, presignQueryV1, signHeaderV1,
  v4CanonicalRequest, v4StringToSign, v4Signature, signHeaderV4, presignQueryV4,
  encodePolicy, postSignatureV1, postSignatureV4, isoBasic,
} from '../../src/signing/index.js';

describe('signing V1 (known answers)', () => {
  const headers = {
    'Content-MD5': 'eB5eJF1ptWaXm4bijSPyxw==',
    'Content-Type': 'text/html',
    'x-oss-meta-author': 'alice',
    'x-oss-meta-magic': 'abracadabra',
    'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
  };

  test('header signature', async () => {
    const sts = v1StringToSign({ method: 'PUT', bucket: 'examplebucket', key: 'nelson', headers });
    assert.equal(sts, 'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson');
    assert.equal(await v1Signature('sk', sts), 'kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
  });

  test('header signature with ?acl', async () => {
    const sts = v1StringToSign({ method: 'PUT', bucket: 'examplebucket', key: 'nelson', headers, query: [['acl', '']] });
    assert.ok(sts.endsWith('/examplebucket/nelson?acl'));
    assert.equal(await v1Signature('sk', sts), '/afkugFbmWDQ967j1vr6zygBLQk=');
  });

  test('signHeaderV1 writes x-oss-date and the Authorization header', async () => {
    const now = new Date('2022-12-28T10:27:41Z');
    const signed = await signHeaderV1(
      { method: 'PUT', bucket: 'examplebucket', key: 'nelson', headers: { ...headers, 'x-oss-date': undefined } },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, now);
    assert.equal(signed['x-oss-date'], 'Wed, 28 Dec 2022 10:27:41 GMT');
    assert.equal(signed['authorization'], 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
  });

  test('URL signature', async () => {
    const sts = v1StringToSign({ method: 'GET', bucket: 'bucket', key: 'key', query: [['versionId', 'versionId']] }, '1699807420');
    assert.equal(sts, 'GET\n\n\n1699807420\n/bucket/key?versionId=versionId');
    assert.equal(await v1Signature('sk', sts), 'dcLTea+Yh9ApirQ8o8dOPqtvJXQ=');
  });

  test('URL signature with an STS token', async () => {
    const q = await presignQueryV1(
      { method: 'GET', bucket: 'bucket', key: 'key+123', query: [['versionId', 'versionId']] },
      { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token' }, 1699808204);
    const params = new URLSearchParams(q);
    assert.equal(params.get('Signature'), 'jzKYRrM5y6Br0dRFPaTGOsbrDhY=');
    assert.equal(params.get('security-token'), 'token');
    assert.equal(params.get('Expires'), '1699808204');
  });
});

describe('signing V4 (known answers)', () => {
  const query: Array<[string, string]> = [
    ['param1', 'value1'], ['+param1', 'value3'], ['|param1', 'value4'], ['+param2', ''], ['|param2', ''], ['param2', ''],
  ];
  const key = '1234+-/123/1.txt';

  test('header: canonical request and signature', async () => {
    const date = isoBasic(new Date(1702743657 * 1000));
    assert.equal(date, '20231216T162057Z');
    const headers = {
      'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value',
      'content-type': 'text/plain', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-date': date,
    };
    const canonical = v4CanonicalRequest({ method: 'PUT', bucket: 'bucket', key, headers, query });
    assert.equal(canonical, [
      'PUT', '/bucket/1234%2B-/123/1.txt',
      '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2',
      'content-type:text/plain', 'x-oss-content-sha256:UNSIGNED-PAYLOAD', 'x-oss-date:20231216T162057Z', 'x-oss-head1:value',
      '', '', 'UNSIGNED-PAYLOAD',
    ].join('\n'));
    const sts = await v4StringToSign(canonical, date, 'cn-hangzhou');
    assert.equal(await v4Signature('sk', '20231216', 'cn-hangzhou', sts), 'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe');

    const signed = await signHeaderV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: { ...headers, 'x-oss-date': undefined, 'x-oss-content-sha256': undefined } },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, 'cn-hangzhou', new Date(1702743657 * 1000));
    assert.equal(signed['authorization'], 'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe');
  });

  test('header with a security token', async () => {
    const signed = await signHeaderV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'text/plain' } },
      { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token' }, 'cn-hangzhou', new Date(1702784856 * 1000));
    assert.match(signed['authorization']!, /,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea$/);
  });

  const urlHeaders = { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'application/octet-stream' };

  test('presigned URL', async () => {
    const q = await presignQueryV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: urlHeaders },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, 'cn-hangzhou', 599, new Date(1702781677 * 1000));
    const params = new URLSearchParams(q);
    assert.equal(params.get('x-oss-credential'), 'ak/20231217/cn-hangzhou/oss/aliyun_v4_request');
    assert.equal(params.get('x-oss-signature'), 'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe');
  });

  test('presigned URL with a security token', async () => {
    const q = await presignQueryV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: urlHeaders },
      { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token' }, 'cn-hangzhou', 599, new Date(1702785388 * 1000));
    const params = new URLSearchParams(q);
    assert.equal(params.get('x-oss-date'), '20231217T035628Z');
    assert.equal(params.get('x-oss-signature'), '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5');
  });

  test('presigned URL with additional headers', async () => {
    const q = await presignQueryV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: urlHeaders },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, 'cn-hangzhou', 599, new Date(1702783809 * 1000), ['ZAbc', 'abc']);
    const params = new URLSearchParams(q);
    assert.equal(params.get('x-oss-additional-headers'), 'abc;zabc');
    assert.equal(params.get('x-oss-signature'), '6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7');
  });

  test('header with additional headers', async () => {
    const signed = await signHeaderV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'text/plain' } },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, 'cn-hangzhou', new Date(1702747512 * 1000), ['ZAbc', 'abc']);
    assert.equal(signed['authorization'], 'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f');
    const again = await signHeaderV4(
      { method: 'PUT', bucket: 'bucket', key, query, headers: { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'text/plain' } },
      { accessKeyId: 'ak', accessKeySecret: 'sk' }, 'cn-hangzhou', new Date(1702747512 * 1000), ['x-oss-no-exist', 'ZAbc', 'x-oss-head1', 'abc']);
    assert.equal(again['authorization'], signed['authorization']);
  });

  test('region with the oss- prefix signs the same as without', async () => {
    const a = await v4Signature('sk', '20231216', 'oss-cn-hangzhou', 'x');
    const b = await v4Signature('sk', '20231216', 'cn-hangzhou', 'x');
    assert.equal(a, b);
  });
});

describe('PostObject signatures (known answers)', () => {
  test('V1', async () => {
    const policy = encodePolicy('{"expiration":"2023-12-17T02:54:37.000Z","conditions":[["content-length-range",0,1048576],["starts-with","$key","user/eric/"]]}');
    assert.equal(policy, 'eyJleHBpcmF0aW9uIjoiMjAyMy0xMi0xN1QwMjo1NDozNy4wMDBaIiwiY29uZGl0aW9ucyI6W1siY29udGVudC1sZW5ndGgtcmFuZ2UiLDAsMTA0ODU3Nl0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyL2VyaWMvIl1dfQ==');
    assert.equal(await postSignatureV1('sk', policy), 'xMjoewZL7Y5ooiE/8BOLSt4ebhU=');
  });

  test('V4', async () => {
    const policy = encodePolicy('{"expiration":"2023-12-17T02:54:37.000Z","conditions":[{"bucket":"examplebucket"},{"x-oss-credential":"ak/20231216/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20231216T162057Z"},{"x-oss-signature-version":"OSS4-HMAC-SHA256"},["content-length-range",1,1024],["starts-with","$key","user/eric/"]]}');
    assert.equal(await postSignatureV4('sk', '20231216', 'cn-hangzhou', policy), 'b6579b1955ece860765a15e503d5dd7f62bd48a8e670c3145dac9878c75f38a5');
  });
});
