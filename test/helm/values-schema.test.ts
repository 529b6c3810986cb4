/**
 * values.schema.json, checked with ajv (draft-07, as Helm does): the shipped values.yaml and a values
 * file using every block are valid; files with a wrong type or an unknown key are refused.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/rules/rules.js';
import { coalesce, renderChart, validateValues } from './render/chart.js';
import { FULL_VALUES, ROOT, chart, valuesFile } from './chart-support.js';

const BAD = `${ROOT}test/helm/bad/`;

describe('values.schema.json', () => {
  it('is a draft-07 schema, strict at the top level', () => {
    expect(chart.schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', additionalProperties: false });
  });

  it('accepts the default values.yaml', () => {
    expect(validateValues(chart.schema, chart.values)).toEqual([]);
  });

  it('accepts values-full.yaml merged over the defaults', () => {
    expect(validateValues(chart.schema, coalesce(chart.values, FULL_VALUES))).toEqual([]);
  });

  const expected: Record<string, string> = {
    'wrong-type.values.yaml': '/service/port: must be integer',
    'unknown-top-level-key.values.yaml': '(root): must NOT have additional properties (serviceMonitr)',
    'unknown-threshold.values.yaml': '/prometheusRule/thresholds: must NOT have additional properties (stallSecond)',
    'bad-duration.values.yaml': '/prometheusRule/thresholds/seriesGapTolerance: must be string',
    'removed-threshold.values.yaml': '/prometheusRule/thresholds: must NOT have additional properties (incrementalLagFor)',
    'probe-unknown-key.values.yaml': '/readinessProbe: must NOT have additional properties (httpGet)',
    'sharding-one-replica.values.yaml': '/sharding/replicas: must be >= 2',
    'image-repository-with-tag.values.yaml': '/image/repository: must match pattern',
  };

  it('has an expected error for every bad fixture', () => {
    expect(readdirSync(BAD).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, error] of Object.entries(expected)) {
    it(`refuses bad/${file}`, () => {
      const values = coalesce(chart.values, valuesFile(BAD + file));
      expect(validateValues(chart.schema, values).some((e) => e.startsWith(error)), validateValues(chart.schema, values).join('\n')).toBe(true);
      // and the renderer refuses to render it, as `helm template` does
      expect(() => renderChart(chart, { values: [valuesFile(BAD + file)] })).toThrow(/values don't meet the specifications of the schema/);
    });
  }

  it('defaults every threshold to src/rules DEFAULT_THRESHOLDS (exporterJobSelector: empty, meaning the Service name)', () => {
    const thresholds = (chart.values.prometheusRule as { thresholds: Record<string, unknown> }).thresholds;
    expect({ ...thresholds, exporterJobSelector: DEFAULT_THRESHOLDS.exporterJobSelector }).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholds.exporterJobSelector).toBe('');
  });
});
