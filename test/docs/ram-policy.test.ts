/** The README's RAM policy lets the exporter call every DBS action it calls, and nothing it does not. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DBS_ACTIONS } from '../../src/dbs/schemas.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe('the README RAM policy', () => {
  it('is valid JSON that allows exactly the actions in DBS_ACTIONS', () => {
    const block = /RAM policy[^\n]*\n\n```json\n([\s\S]*?)\n```/.exec(README)?.[1];
    expect(block).toBeDefined();
    const policy = JSON.parse(block!) as { Statement: Array<{ Effect: string; Action: string[] }> };
    const allowed = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
    expect(allowed.sort()).toEqual(DBS_ACTIONS.map((action) => `dbs:${action}`).sort());
  });
});
