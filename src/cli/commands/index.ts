import type { Command } from '../command.js';

/** Every command, registered explicitly (no self-registration on import). */
export const commands: readonly Command[] = [];
