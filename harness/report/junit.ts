// JUnit XML: one testcase per requirement, so any CI shows verdicts natively.
import type { ResultFile } from './write.js';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function junitXml(r: ResultFile): string {
  const count = (s: string) => r.verdicts.filter((v) => v.status === s).length;
  const seconds = (Date.parse(r.finished) - Date.parse(r.started)) / 1000;
  const cases = r.verdicts.map((v) => {
    const body = v.checks.map((c) => `${c.check} (${c.kind}): ${c.status}: ${c.summary}`).join('\n');
    const name = `${esc(v.id)}: ${esc(v.title)}`;
    const open = `    <testcase classname="${esc(r.scenario.name)}" name="${name}">`;
    switch (v.status) {
      case 'pass':
        return `${open}\n      <system-out>${esc(body)}</system-out>\n    </testcase>`;
      case 'fail':
        return `${open}\n      <failure message="${esc(v.checks.find((c) => c.status === 'fail')?.summary ?? 'failed')}">${esc(body)}</failure>\n    </testcase>`;
      case 'unknown':
        return `${open}\n      <error message="undecided: the evidence was insufficient">${esc(body)}</error>\n    </testcase>`;
      case 'skip':
        return `${open}\n      <skipped message="${esc(body || 'not decided by this scenario')}"/>\n    </testcase>`;
    }
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="msh" tests="${r.verdicts.length}" failures="${count('fail')}" errors="${count('unknown')}" skipped="${count('skip')}" time="${seconds}">`,
    `  <testsuite name="${esc(r.scenario.name)}" tests="${r.verdicts.length}" failures="${count('fail')}" errors="${count('unknown')}" skipped="${count('skip')}" time="${seconds}" timestamp="${r.started}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
