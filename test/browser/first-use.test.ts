// When the element's core (src/element/core.ts) downloads: when the user starts an upload — a click
// that opens the picker (mouse, touch or keyboard: each is a click on the button), a drag over the
// element — not on a hover, a focus or a touch, which most visitors do without uploading anything.
// Web Test Runner serves the source modules one by one, so the page's resource entries name each
// module it downloaded. The order matters: once a test loaded the core, it stays loaded in this page.
import { expect } from '@open-wc/testing';
import { cleanup, mount } from './support.js';

performance.setResourceTimingBufferSize(10_000);
const requested = (path: string) => performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname.endsWith(path));
const coreRequested = () => requested('/src/element/core.ts');
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('<oss-upload> loads its core when an upload starts', function () {
  this.timeout(30_000);
  afterEach(cleanup);

  // First in the file: nothing has imported the core in this page yet.
  it('a hover, a focus and a touch download nothing more; a click on the button downloads the core and the strategy\'s code', async () => {
    const el = await mount({ endpoint: '/sign' });
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!;
    el.dispatchEvent(new PointerEvent('pointerenter'));
    el.dispatchEvent(new PointerEvent('pointerover', { bubbles: true, composed: true }));
    button.focus();
    el.dispatchEvent(new TouchEvent('touchstart', { bubbles: true, composed: true }));
    await settle();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement === button, 'the button has focus').to.equal(true);
    expect(coreRequested(), 'the core after a hover, a focus and a touch').to.equal(false);
    // Enter or Space on the focused button, a tap or a mouse click: each is this click. (Without a
    // user gesture Chromium opens no picker, so nothing waits on a dialog here.)
    button.click();
    await el.updateComplete; // waits for the core once its import is on its way
    expect(coreRequested(), 'the core after a click').to.equal(true);
    // The strategy's code comes beside the core, before any file: on a slow link it would otherwise
    // wait for the core and then for the file, a round trip or two each.
    expect(requested('/src/strategies/signed-policy.ts'), 'the strategy after a click').to.equal(true);
    expect(requested('/src/strategies/sts.ts') || requested('/src/strategies/proxy.ts'), 'another strategy').to.equal(false);
  });
});
