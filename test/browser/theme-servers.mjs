// What a theme test cannot do from inside the page: switch the media the page sees and look at
// what Chromium painted. Web Test Runner's emulateMedia goes through puppeteer, which refuses
// forced-colors and pointer; the DevTools protocol takes them. Commands for `executeServerCommand`
// (test/browser/theme.test.ts):
//   oss-media:emulate  {features: [{name, value}]}  the media features the page sees from now on
//                                                   (all at once; [] ends every override)
//   oss-media:shot     {x, y, width, height}        → {png}: that part of the page as painted, base64
export function mediaPlugin() {
  /** One DevTools session per page, kept open: an override lasts as long as its session. */
  const sessions = new Map();
  return {
    name: 'oss-media-commands',
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('oss-media:')) return undefined;
      const page = session.browser.getPage(session.id);
      if (command === 'oss-media:emulate') {
        let cdp = sessions.get(session.id);
        if (!cdp || cdp.detached) {
          cdp = await page.createCDPSession();
          sessions.set(session.id, cdp);
        }
        await cdp.send('Emulation.setEmulatedMedia', { features: payload.features });
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: !!payload.touch, maxTouchPoints: payload.touch ? 1 : undefined });
        return true;
      }
      if (command === 'oss-media:shot') {
        const png = await page.screenshot({ encoding: 'base64', clip: payload });
        return { png };
      }
      throw new Error(`unknown command ${command}`);
    },
    async serverStop() {
      await Promise.all([...sessions.values()].map((cdp) => cdp.detach().catch(() => undefined)));
    },
  };
}
