import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/app';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { license: string; engines: { node: string } };

test('GIVEN package.json says Apache-2.0 THEN the repository carries the Apache License 2.0 text', () => {
  expect(pkg.license).toBe('Apache-2.0');
  const license = read('LICENSE');
  expect(license).toMatch(
    /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//,
  );
  expect(license).toContain('END OF TERMS AND CONDITIONS');
});

test('GIVEN the docs THEN every config file they pass with -c config= exists, except the one the user writes', () => {
  const docs = ['README.md', ...fs.readdirSync(path.join(PROJECT_ROOT, 'docs')).map((f) => `docs/${f}`)];
  const referenced = docs.flatMap((doc) =>
    [...read(doc).matchAll(/config=(config\/[\w.-]+\.json)/g)].map((m) => m[1]),
  );
  expect(referenced.length).toBeGreaterThan(0);
  const missing = [...new Set(referenced)].filter(
    (file) => file !== 'config/my-account.json' && !fs.existsSync(path.join(PROJECT_ROOT, file)),
  );
  expect(missing).toEqual([]);
});

test('GIVEN the README THEN its Quick start names the Node versions package.json supports', () => {
  expect(pkg.engines.node).toBe('^20.19.0 || ^22.13.0 || >=24');
  const quickStart = read('README.md').split('## Quick start')[1].split('\n## ')[0];
  expect(quickStart).toMatch(/Node\.js 20\.19\+, 22\.13\+ or 24\+/);
});

test('GIVEN a test run THEN temporary files go to the run directory that jest removes at the end', () => {
  expect(process.env.HA_REF_TEST_TMPDIR).toBeDefined();
  expect(os.tmpdir()).toBe(process.env.HA_REF_TEST_TMPDIR);
});
