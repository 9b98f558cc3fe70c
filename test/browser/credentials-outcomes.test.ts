// What the element says when the credential endpoint's answer cannot be used (issue #8, items 6 and
// 10): a cut-off answer, and credentials or policies that are expired when they arrive. In Chromium,
// against the emulator and the test endpoints of test/browser/servers.mjs and sts-servers.mjs.
import { expect } from '@open-wc/testing';
import {
  cleanup, clearEmulatorRequests, details, emulatorRequests, errorsOf, makeFile, mount, record, resetSignCalls, signCalls, uploadAll,
} from './support.js';

describe('<oss-upload>: the credential endpoint\'s answer', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('cut off mid-answer: credentials-invalid (not credentials-network), saying it is not JSON', async () => {
    await resetSignCalls();
    const el = await mount({ endpoint: '/sign-truncated', retries: '0' });
    const events = record(el);
    await uploadAll(el, [makeFile('x.txt', 10).file]);
    const [error] = details(events, 'oss-upload-error');
    expect(error?.code, errorsOf(events)).to.equal('credentials-invalid');
    expect(error?.message).to.contain('broke off').and.to.contain('not JSON');
    expect(error?.status).to.equal(200);
    expect((await signCalls())['/sign-truncated']).to.equal(1);
  });
});
