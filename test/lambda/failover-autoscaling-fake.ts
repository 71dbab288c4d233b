import type { AutoScalingModule } from '../../lambda/failover/capacity';

/** An Auto Scaling group as the fake stores it. */
export interface FakeGroup {
  name: string;
  minSize: number;
  desired: number;
  /** Instances InService and Healthy. */
  inService: number;
}

/**
 * An in-memory Auto Scaling with the shape of `@aws-sdk/client-auto-scaling` (the Lambda runtime's package, not
 * installed here): Describe answers the stored groups, Update sets MinSize/DesiredCapacity; instances come into
 * service only when the test says so (as launches take minutes).
 */
export class FakeAutoScaling {
  readonly groups = new Map<string, FakeGroup>();
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];

  reset(): void {
    this.groups.clear();
    this.calls.length = 0;
  }

  add(group: FakeGroup): void {
    this.groups.set(group.name, { ...group });
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  module(): AutoScalingModule {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the classes below close over the fake
    const fake = this;
    class Command {
      constructor(
        readonly name: string,
        readonly input: Record<string, unknown>,
      ) {}
    }
    return {
      AutoScalingClient: class {
        send(command: unknown): Promise<unknown> {
          const c = command as Command;
          fake.calls.push({ command: c.name, input: c.input });
          if (c.name === 'DescribeAutoScalingGroups') {
            const names = c.input.AutoScalingGroupNames as string[];
            const found = names.map((n) => fake.groups.get(n)).filter((g): g is FakeGroup => g !== undefined);
            return Promise.resolve({
              AutoScalingGroups: found.map((g) => ({
                AutoScalingGroupName: g.name,
                MinSize: g.minSize,
                DesiredCapacity: g.desired,
                Instances: [
                  ...Array.from({ length: g.inService }, () => ({
                    LifecycleState: 'InService',
                    HealthStatus: 'Healthy',
                  })),
                  // A launching instance does not count.
                  ...Array.from({ length: Math.max(0, g.desired - g.inService) }, () => ({
                    LifecycleState: 'Pending',
                    HealthStatus: 'Healthy',
                  })),
                ],
              })),
            });
          }
          const g = fake.groups.get(String(c.input.AutoScalingGroupName));
          if (!g)
            return Promise.reject(
              new Error(`ValidationError: group ${String(c.input.AutoScalingGroupName)} not found`),
            );
          g.minSize = Number(c.input.MinSize);
          g.desired = Number(c.input.DesiredCapacity);
          return Promise.resolve({});
        }
      },
      DescribeAutoScalingGroupsCommand: class extends Command {
        constructor(input: { AutoScalingGroupNames: string[] }) {
          super('DescribeAutoScalingGroups', input);
        }
      },
      UpdateAutoScalingGroupCommand: class extends Command {
        constructor(input: { AutoScalingGroupName: string; MinSize: number; DesiredCapacity: number }) {
          super('UpdateAutoScalingGroup', input);
        }
      },
    };
  }
}
