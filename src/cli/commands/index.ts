import type { Command } from '../command.js';
import { imagesSeedCommand } from './images-seed.js';

/** Every command, registered explicitly (no self-registration on import). */
export const commands: readonly Command[] = [imagesSeedCommand];
