import { UsageError } from '../../core/errors.js';
import { processIsAlive } from '../../engine/process-alive.js';
import { defaultMachineStateDir, QemuDriver } from '../../executors/machine/drivers/qemu.js';
import { defaultMachineCacheDir } from '../../executors/machine/image/vm-image.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { stderrLogger } from '../io.js';
import { parseFlags } from '../parse-flags.js';

function driverFor(io: CliIo): QemuDriver {
  return new QemuDriver({
    stateDir: defaultMachineStateDir(io.env),
    cacheDir: defaultMachineCacheDir(io.env),
    logger: stderrLogger(io),
  });
}

export const machinesLsCommand: Command = {
  name: 'machines ls',
  summary: 'list the docker+machine VMs on this host (QEMU driver)',
  help: `Usage: dockhand machines ls

Lists the VMs in $DOCKHAND_STATE_DIR/machines (default /var/lib/dockhand/machines): name,
status, engine address, creating process (and whether it is gone: an orphan) and age.
`,
  async run(args, io) {
    parseFlags('machines ls', args, {});
    const vms = await driverFor(io).list();
    if (vms.length === 0) {
      io.stdout('No VMs.\n');
      return 0;
    }
    io.stdout('NAME\tSTATUS\tENGINE\tOWNER\tCREATED\n');
    for (const vm of vms) {
      const engine = vm.engine?.kind === 'tcp' ? `tcp://127.0.0.1:${vm.engine.port} (tls)` : '-';
      const owner = `${vm.ownerPid}${processIsAlive(vm.ownerPid) ? '' : ' (gone)'}`;
      io.stdout(`${vm.name}\t${vm.status}\t${engine}\t${owner}\t${vm.createdAt.toISOString()}\n`);
    }
    return 0;
  },
};

export const machinesRmCommand: Command = {
  name: 'machines rm',
  summary: 'remove docker+machine VMs (process, overlay, state)',
  help: `Usage: dockhand machines rm NAME... | --all | --orphans

Stops and removes VMs with everything they own. --orphans removes only VMs whose creating
process is gone (what dockhand does at startup).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      'machines rm',
      args,
      { all: { type: 'boolean' }, orphans: { type: 'boolean' } },
      true,
    );
    const driver = driverFor(io);
    let names: string[];
    if (values.orphans === true) names = await driver.removeOrphans();
    else {
      if (values.all === true) names = (await driver.list()).map((vm) => vm.name);
      else if (positionals.length > 0) names = positionals;
      else throw new UsageError('dockhand machines rm: name a VM, or pass --all or --orphans');
      for (const name of names) await driver.remove(name);
    }
    io.stdout(
      `Removed ${names.length} VM${names.length === 1 ? '' : 's'}${names.length > 0 ? `: ${names.join(', ')}` : ''}\n`,
    );
    return 0;
  },
};
