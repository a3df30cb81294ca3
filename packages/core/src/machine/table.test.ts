import { describe, expect, test } from 'vitest';
import { initialState } from './machine.ts';
import { resolvePolicy } from './policy.ts';
import { StateTable } from './table.ts';

describe('a recorded status', () => {
  test('is kept by set, forgotten by delete, and moves with its user when the table compacts', () => {
    const table = new StateTable(resolvePolicy({}));
    const ids = Array.from({ length: 100 }, (_, n) => `u${n}`);
    for (const id of ids) table.set(id, initialState(id));
    expect(table.recordedStatus('u1')).toBeNull();
    table.recordStatus('u1', 'busy');
    table.recordStatus('u99', 'offline');
    table.recordStatus('nobody', 'away');
    table.set('u1', initialState('u1'));
    expect(table.recordedStatus('u1')).toBe('busy');
    expect(table.recordedStatus('nobody')).toBeNull();

    // Deleting more than half the users moves the rest down over them.
    for (const id of ids.slice(2, 80)) table.delete(id);
    expect(table.recordedStatus('u1')).toBe('busy');
    expect(table.recordedStatus('u99')).toBe('offline');
    expect(table.recordedStatus('u80')).toBeNull();

    table.delete('u1');
    table.set('u1', initialState('u1'));
    expect(table.recordedStatus('u1')).toBeNull();
    expect(() => table.recordStatus('u1', 'gone' as never)).toThrow(/status/);
  });
});
