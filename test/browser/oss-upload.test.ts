// <oss-upload> with the signed-policy strategy, in Chromium, against the emulator over HTTP.
import { expect } from '@open-wc/testing';
import { crc64 } from '../../src/signing/crc64.js';
import { cleanup, details, env, makeFile, mount, next, record, resetSignCalls, signCalls, stored } from './support.js';

describe('<oss-upload> signed-policy', () => {
  afterEach(cleanup);

  it('uploads one small file', async () => {
    const el = await mount({ endpoint: '/sign' });
    const events = record(el);
    const { file, bytes } = makeFile('hello.txt', 1234, 'text/plain');
    el.addFiles([file]);
    await next(el, 'oss-upload-complete');
    const [success] = details(events, 'oss-upload-success');
    expect(success, JSON.stringify(details(events, 'oss-upload-error'))).to.exist;
    expect(success!.key).to.match(/^uploads\/[0-9a-z]{26}\/hello\.txt$/);
    expect(success!.bucket).to.equal(env.bucket);
    expect(success!.etag).to.match(/^"[0-9A-F]{32}"$/);
    expect(success!.strategy).to.equal('signed-policy');
    const object = await stored(success!.key);
    expect(object?.size).to.equal(bytes.length);
    expect(object?.crc64).to.equal(crc64(bytes).toString());
  });
});
