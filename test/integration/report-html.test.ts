// report.html in a real browser: a real short run (msh run, as a user runs
// it) writes the page; Debian's headless Chromium parses it (--dump-dom) and
// paints it (--screenshot, kept as reports/test-artifacts/report.png): the
// timeline with a band per fault and a row per verdict with result.json's
// status must be there, and the band and the badges must be on the pixels.
// Chromium loads only the file:// page, from a network namespace with no
// interface up.
import { execa } from 'execa';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.js';
import { countColour, decodePng } from '../support/png.js';
import { testDir } from '../support/temp-dir.js';

const ARTIFACTS = join(PROJECT_ROOT, 'reports', 'test-artifacts');

/**
 * Headless Chromium in a network namespace of its own (`unshare --net`: not
 * even loopback is up, so nothing can leave whatever the flags miss), with
 * everything that could reach a network off anyway, on a throwaway profile.
 */
async function chromium(args: string[]) {
  const profile = await testDir('msh-chromium');
  return execa(
    'unshare',
    [
      '--net',
      'chromium',
      '--headless',
      '--no-sandbox', // we run as root in CI
      '--disable-gpu',
      '--no-proxy-server',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      '--no-first-run',
      '--no-pings',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { reject: false, timeout: 60_000 },
  );
}

interface Result {
  readonly verdicts: readonly { readonly id: string; readonly status: string }[];
  readonly faults: readonly { readonly fault: string; readonly proven: boolean }[];
}

describe('report.html in headless Chromium', () => {
  it('a real run writes a page whose timeline, fault bands and verdicts the browser renders', { timeout: 240_000 }, async () => {
    const out = await testDir('msh-report-html');
    const t = performance.now();
    const run = await execa('node', ['bin/msh.js', 'run', 'fixtures/scenarios/wan-short.yaml', '--out', out], { reject: false, cwd: PROJECT_ROOT });
    console.log(`msh run wan-short: ${((performance.now() - t) / 1000).toFixed(1)} s, exit ${run.exitCode}`);
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as Result;
    expect(result.faults.map((f) => f.fault), run.stderr).toEqual(['cut', 'slow']);
    const page = `file://${join(out, 'report.html')}`;
    // What Chromium gets below: a namespace with only loopback, and that down.
    const links = await execa('unshare', ['--net', 'ip', '-o', 'link']);
    expect(links.stdout.trim().split('\n').map((l) => /^\d+: (\S+):.*state (\w+)/.exec(l)?.slice(1))).toEqual([['lo', 'DOWN']]);

    const dom = await chromium(['--dump-dom', page]);
    expect(dom.exitCode, dom.stderr).toBe(0);
    const html = dom.stdout;
    expect(html).toMatch(/<svg class="timeline"/);
    for (const f of result.faults) expect(html, f.fault).toMatch(new RegExp(`<rect class="fault-band" data-fault="${f.fault}" x="[\\d.]+" y="\\d+" width="[\\d.]+"`));
    const rows = [...html.matchAll(/<tr class="verdict" data-id="([^"]+)" data-status="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    const byId = (x: readonly (string | undefined)[][]) => [...x].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byId(rows)).toEqual(byId(result.verdicts.map((v) => [v.id, v.status])));
    expect(rows.filter(([, s]) => s === 'pass').length).toBeGreaterThan(0);
    expect(html).toMatch(/<svg class="plot" data-f="ack"/); // the heartbeat RTT plot

    await mkdir(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'report.png');
    const shot = await chromium([`--screenshot=${png}`, '--window-size=1400,1000', '--hide-scrollbars', page]);
    expect(shot.exitCode, shot.stderr).toBe(0);
    const size = (await stat(png)).size;
    console.log(`screenshot ${png}: ${size} bytes`);
    expect(size).toBeGreaterThan(20_000);
    const img = decodePng(await readFile(png));
    expect([img.width, img.height]).toEqual([1400, 1000]);
    // Painted, not just present: the fault band's tint (#e53935 at 16 % over white) and the PASS badge's green.
    expect(countColour(img, [251, 223, 223], 6)).toBeGreaterThan(2000);
    expect(countColour(img, [0x2e, 0x7d, 0x32], 4)).toBeGreaterThan(100);
  });
});
