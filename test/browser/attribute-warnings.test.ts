// Attributes that cannot be read (issue #8, item 9): the element warns once in the console, naming
// the attribute, its value and what it uses instead, and uses that; a valid `retries="0"` is honoured.
// The console.warn spy only listens: the uploads go to the emulator as always.
import { expect } from '@open-wc/testing';
import { cleanup, clearEmulatorRequests, details, emulatorRequests, makeFile, mount, record, setFaults, uploadAll } from './support.js';

/** Collects console.warn's messages while `body` runs (the real console.warn is called too). */
async function warnings(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const real = console.warn;
  console.warn = (...args: unknown[]) => {
    seen.push(args.map(String).join(' '));
    real.apply(console, args);
  };
  try {
    await body();
  } finally {
    console.warn = real;
  }
  return seen;
}

describe('<oss-upload>: attributes that cannot be used', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('warn once per element, naming the attribute, its value and what is used instead', async () => {
    const bad = {
      retries: '-1', concurrency: '-1', 'max-size': 'abc', 'stall-timeout': '-1', 'part-size': 'garbage', parallel: '0',
      'retry-delay': 'soon', 'min-size': '-5', 'max-files': 'many', engine: 'turbo',
    };
    const seen = await warnings(async () => {
      const el = await mount({ endpoint: '/sign', strategy: 'sts', ...bad });
      // The core reads the settings: it loads when an upload starts (a drag over the element).
      el.dispatchEvent(new DragEvent('dragenter'));
      await el.updateComplete;
      // More renders (a property change, a re-render) must not repeat the warnings.
      el.multiple = true;
      await el.updateComplete;
      el.requestUpdate();
      await el.updateComplete;
    });
    const expected: Array<[string, string, string]> = [
      ['retries', '-1', '3 (the default)'],
      ['concurrency', '-1', 'the strategy\'s default'],
      ['max-size', 'abc', 'no size limit'],
      ['stall-timeout', '-1', '60000 ms (the default)'],
      ['part-size', 'garbage', 'the part size the engine chooses'],
      ['parallel', '0', 'the engine\'s default'],
      ['retry-delay', 'soon', '1000 ms (the default)'],
      ['min-size', '-5', 'no minimum size'],
      ['max-files', 'many', 'no limit on the number of files'],
      ['engine', 'turbo', 'native (the default)'],
    ];
    for (const [attribute, value, instead] of expected) {
      const said = seen.filter((m) => m.includes(`${attribute}="${value}"`));
      expect(said, `${attribute}: ${JSON.stringify(seen)}`).to.have.length(1);
      expect(said[0]).to.contain('<oss-upload>').and.to.contain(`${instead} is used instead`);
    }
    expect(seen).to.have.length(expected.length);

    // Another element says it again (once per element), a valid value says nothing.
    const again = await warnings(async () => {
      const el = await mount({ endpoint: '/sign', retries: '-1', concurrency: '2', parallel: '17' });
      el.dispatchEvent(new DragEvent('dragenter'));
      await el.updateComplete;
    });
    expect(again).to.have.length(2);
    expect(again[0]).to.contain('retries="-1"');
    expect(again[1]).to.contain('parallel="17"').and.to.contain('16 (the most) is used instead');
  });

  it('retries="-1" uses the default (3 retries); retries="0" means no retry', async () => {
    await setFaults({ seed: 5, failures: [{ op: 'PostObject', rate: 1, kind: 'error' }] });
    for (const [retries, expected] of [['-1', 3], ['0', 0]] as const) {
      await clearEmulatorRequests();
      const el = await mount({ endpoint: '/sign', retries, 'retry-delay': '5' });
      const events = record(el);
      await warnings(() => uploadAll(el, [makeFile('never.bin', 100).file]));
      expect(details(events, 'oss-upload-retry'), `retries="${retries}"`).to.have.length(expected);
      expect(details(events, 'oss-upload-error')[0]?.code).to.equal('oss-error');
      expect((await emulatorRequests()).filter((r) => r.op === 'PostObject')).to.have.length(expected + 1);
    }
  });
});
