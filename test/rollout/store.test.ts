/** The rollout tables (in-memory SQLite with the real migrations). */
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { rolloutMigrations } from '../../src/rollout/migrations.js';
import { RolloutStore } from '../../src/rollout/store.js';

describe('persisted rollout state', () => {
  const store = () => new RolloutStore(openDb(':memory:', rolloutMigrations), () => new Date('2026-11-28T10:00:00Z'));

  it('records transitions, refuses illegal ones, and counts attempts once per start', () => {
    const s = store();
    const id = s.create({ release: '1.0.0', inventory: '/inv', waves: '1,100%', maxFail: '5%', options: {}, plan: [['a'], ['b', 'c']] });
    expect(s.devices(id).map((d) => [d.id, d.wave, d.state])).toEqual([
      ['a', 0, 'planned'],
      ['b', 1, 'planned'],
      ['c', 1, 'planned'],
    ]);
    s.setDevice(id, 'a', 'updating');
    s.setDevice(id, 'a', 'updating', { previous: '0.9.0' });
    s.setDevice(id, 'a', 'updated', { ms: 1200 });
    expect(s.device(id, 'a')).toMatchObject({ state: 'updated', previous: '0.9.0', attempts: 1, ms: 1200 });
    expect(() => s.setDevice(id, 'a', 'updating')).toThrow('illegal transition');
    expect(() => s.setDevice(id, 'b', 'updated')).toThrow('illegal transition');
  });

  it('leaves devices already on the release out of a repeated rollout, unless a later run failed them', () => {
    const s = store();
    const r1 = s.create({ release: '1.0.0', inventory: '/inv', waves: '100%', maxFail: '5%', options: {}, plan: [['a', 'b', 'c']] });
    for (const d of ['a', 'b', 'c']) s.setDevice(r1, d, 'updating');
    s.setDevice(r1, 'a', 'updated');
    s.setDevice(r1, 'b', 'updated');
    s.setDevice(r1, 'c', 'pending');
    const r2 = s.create({ release: '2.0.0', inventory: '/inv', waves: '100%', maxFail: '5%', options: {}, plan: [['b']] });
    s.setDevice(r2, 'b', 'updating');
    s.setDevice(r2, 'b', 'failed', { error: 'rollback failed' });
    expect([...s.alreadyOn('1.0.0', ['a', 'b', 'c'])]).toEqual(['a']);
  });
});
