import { describe, expect, it } from 'vitest';
import { commands } from './index.js';

describe('the command registry', () => {
  it.each(commands.map((entry) => [entry.name, entry] as const))(
    '%s: the lazy entry matches the command it loads',
    async (_name, entry) => {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
      expect(command.help.length).toBeGreaterThan(20);
    },
  );

  it('has no duplicate names', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
