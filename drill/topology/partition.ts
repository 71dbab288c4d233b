/**
 * A network partition between one "AZ" and the data tier, while the balancer still reaches the AZ's instances.
 *
 * Every instance shares 127.0.0.1, so the cut is made on what the kernel knows about each connection: the instances
 * of an AZ run as that AZ's own user (fleet.ts azRunAs), and an nftables rule drops every packet those users send,
 * in a connection's original direction, to the data tier's ports (the database path and every Redis node). Packets
 * vanish: nothing is refused or reset, new connections hang in SYN_SENT and open ones stall, as when a route or a
 * security group between subnets goes wrong. The balancer's connections to the instances are untouched (the
 * instances only answer those: the reply direction).
 *
 * Needs root and the `nft` binary (Debian package nftables, installed by .ci/install-servers.sh --drill).
 */
import { findBinary, isRoot, runSync } from './proc';

/** One table per drill process, so a crashed run's leftovers never collide with a new run's. */
export function partitionTableName(pid: number = process.pid): string {
  return `ha_drill_${pid}`;
}

/** Pure: the nft script that cuts `uids` off from the TCP `ports` (outbound direction only). */
export function partitionRuleset(table: string, uids: readonly number[], ports: readonly number[]): string {
  if (uids.length === 0) throw new Error('drill: a partition needs at least one uid to cut off');
  if (ports.length === 0) throw new Error('drill: a partition needs at least one port to cut');
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65_535) throw new Error(`drill: ${p} is not a TCP port`);
  }
  return [
    `table inet ${table} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    meta skuid { ${uids.join(', ')} } tcp dport { ${[...new Set(ports)].join(', ')} } ct direction original drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Why a partition cannot be made here, or undefined when it can (root and nft). */
export function partitionUnsupported(): string | undefined {
  if (!isRoot()) return 'the AZ partition needs root (nftables rules, one user per AZ)';
  try {
    findBinary('nft', ['/usr/sbin', '/sbin']);
  } catch {
    return "the AZ partition needs nft (apt-get install nftables; '.ci/install-servers.sh --drill' does it)";
  }
  return undefined;
}

export class Partition {
  private readonly table = partitionTableName();
  private active = false;
  private exitHookInstalled = false;

  /** Drops every packet the `uids` send to `ports` from now on (open connections included). */
  cut(uids: readonly number[], ports: readonly number[]): void {
    const why = partitionUnsupported();
    if (why) throw new Error(`drill: ${why}`);
    this.heal();
    runSync(findBinary('nft', ['/usr/sbin', '/sbin']), ['-f', '-'], {
      input: partitionRuleset(this.table, uids, ports),
    });
    this.active = true;
    // A drill that dies with the cut in force must not leave the rule behind.
    if (!this.exitHookInstalled) {
      process.on('exit', () => this.heal());
      this.exitHookInstalled = true;
    }
  }

  /** Removes the cut (idempotent). */
  heal(): void {
    if (!this.active) return;
    runSync(findBinary('nft', ['/usr/sbin', '/sbin']), ['delete', 'table', 'inet', this.table]);
    this.active = false;
  }
}
