import type { Command } from '../command.js';
import { auditCommand } from './audit.js';
import { imagesSeedCommand } from './images-seed.js';
import { configCheckCommand } from './config-check.js';
import { execCommand } from './exec.js';
import { lintCommand } from './lint.js';
import { machinesImageCommand } from './machines-image.js';
import { machinesLsCommand, machinesRmCommand } from './machines-manage.js';
import { listCommand, registerCommand, unregisterCommand, verifyCommand } from './register.js';
import { serverCommand, serverTriggerCommand } from './server.js';

/** Every command, registered explicitly (no self-registration on import). */
export const commands: readonly Command[] = [
  imagesSeedCommand,
  configCheckCommand(),
  lintCommand,
  auditCommand,
  execCommand,
  machinesImageCommand,
  machinesLsCommand,
  machinesRmCommand,
  registerCommand,
  verifyCommand,
  unregisterCommand,
  listCommand,
  serverCommand,
  serverTriggerCommand,
];
