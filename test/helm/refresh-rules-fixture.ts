/**
 * The sharding test's fixture (fixtures/unsharded-render.json) holds the chart's rendered
 * PrometheusRule, which follows src/rules: after changing the rules (npm run gen:rules), run
 * `npx tsx test/helm/refresh-rules-fixture.ts` to re-render that one object. Nothing else in the
 * fixture changes, so the test still pins the rest of the render to what it was before sharding.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FULL_VALUES, ROOT, render, type K8sObject } from './chart-support.js';

const path = `${ROOT}test/helm/fixtures/unsharded-render.json`;
const fixture = JSON.parse(readFileSync(path, 'utf8')) as { full: K8sObject[] };
const rule = render([{ nodeOptions: '' }, FULL_VALUES, { sharding: { enabled: false } }]).objects.find((o) => o.kind === 'PrometheusRule');
const at = fixture.full.findIndex((o) => o.kind === 'PrometheusRule');
if (!rule || at < 0) throw new Error('no PrometheusRule in the render or the fixture');
fixture.full[at] = { ...fixture.full[at]!, spec: JSON.parse(JSON.stringify(rule.spec)) as unknown };
writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
