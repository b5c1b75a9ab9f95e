// Figures measured during the end-to-end run, one `name value unit` line
// each, appended to tests/artifacts/metrics.txt (build.sh prints the file).
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './servers.mjs';

const DIR = path.join(ROOT, 'tests/artifacts');

export function record(name, value, unit) {
  mkdirSync(DIR, { recursive: true });
  const line = `${name} ${value} ${unit}`;
  appendFileSync(path.join(DIR, 'metrics.txt'), `${line}\n`);
  console.log(line);
}
