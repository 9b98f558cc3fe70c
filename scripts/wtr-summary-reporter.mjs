// A Web Test Runner reporter that prints one plain line when the process exits:
//   browser: N passed, N failed, N skipped
// Web Test Runner's own summary is mixed with terminal control codes even when stdout is not a
// terminal, and a reporter's console.log gets them too; a synchronous write to fd 1 from the
// process's 'exit' event comes after everything else and stays plain. scripts/test.mjs reads it.
//
// A test file whose session failed without any failing test (it did not import, an `after` hook
// threw, it timed out, the browser crashed) counts as one failure, so that a red run never
// reports "0 failed".
import { writeSync } from 'node:fs';

function countSuite(suite, counts) {
  if (!suite) return;
  for (const t of suite.tests ?? []) {
    if (t.skipped) counts.skipped += 1;
    else if (t.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const s of suite.suites ?? []) countSuite(s, counts);
}

export function count(sessions) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const session of sessions) {
    const c = { passed: 0, failed: 0, skipped: 0 };
    countSuite(session.testResults, c);
    if (session.passed === false && c.failed === 0) c.failed = 1;
    else if (session.passed !== true && session.passed !== false && c.failed === 0) c.failed = 1; // never finished
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  return total;
}

export function summaryLineReporter() {
  let manager;
  let started = false;
  let printed = false;
  const print = () => {
    if (printed) return;
    printed = true;
    const all = manager ? [...manager.all()] : [];
    const c = count(all);
    // Without any session (the runner failed before it found a test) say so as a failure.
    if (all.length === 0 && started) c.failed += 1;
    writeSync(1, `\nbrowser: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
  };
  return {
    start({ sessions }) {
      manager = sessions;
      started = true;
      process.on('exit', print);
    },
  };
}
