/** Losing compute: one instance, a whole AZ, and a deployment (rolling SIGTERM restart). */
import { FLEET_BACKEND } from '../topology/haproxy';
import { sleep, waitUntil } from '../topology/proc';
import type { Scenario, ScenarioContext } from './types';

async function relaunch(ctx: ScenarioContext): Promise<void> {
  const t = ctx.now();
  await ctx.topo.relaunchMissing();
  ctx.extra.relaunchToInServiceMs = Math.round(ctx.now() - t);
}

/** Time from the kill until HAProxy (the ALB) marked every killed server DOWN. */
async function watchMarkedDown(ctx: ScenarioContext, names: readonly string[]): Promise<void> {
  await waitUntil(
    'killed servers marked DOWN',
    async () => {
      const stats = await ctx.topo.haproxy.stats();
      return names.every((n) =>
        stats.find((s) => s.backend === FLEET_BACKEND && s.server === n)?.status.startsWith('DOWN'),
      );
    },
    15_000,
    50,
  );
  ctx.extra.markedDownAfterMs = Math.round(ctx.now() - ctx.faultAt);
  ctx.extra.detectedAfterMs = ctx.extra.markedDownAfterMs;
}

const ALB_NOTE =
  "HAProxy stands for the ALB: it forwards each request once (no retry, no redispatch) and takes a target out after 2 failed /healthz checks 1 s apart, so first attempts routed to a dead instance fail until then (HAProxy answers 503 where an ALB answers 502); the clients retry those (the gated user-visible figure), first-attempt success is reported only. The ALB in this architecture checks every 5-10 s, so its error window is 5-10x longer than measured here and longer than the clients' 4 s retry budget.";

export function instanceKill(holdMs: number): Scenario {
  return {
    id: 'instance-kill',
    title: 'SIGKILL one instance (az1-a)',
    ci: true,
    minSuccessDuringFault: 0.999,
    holdMs,
    async inject(ctx) {
      ctx.notes.push(ALB_NOTE);
      const victim = ctx.topo.instances.find((i) => i.name === 'az1-a')!;
      await victim.kill();
      await watchMarkedDown(ctx, [victim.name]);
    },
    clear: relaunch,
  };
}

export function azKill(holdMs: number): Scenario {
  return {
    id: 'az-kill',
    title: 'SIGKILL a whole AZ (az2: 2 of 6 instances)',
    ci: true,
    minSuccessDuringFault: 0.999,
    holdMs,
    async inject(ctx) {
      ctx.notes.push(ALB_NOTE);
      const victims = ctx.topo.instances.filter((i) => i.spec.az === 'az2');
      await Promise.all(victims.map((v) => v.kill()));
      await watchMarkedDown(
        ctx,
        victims.map((v) => v.name),
      );
    },
    clear: relaunch,
  };
}

/**
 * A deployment as the ASG's rolling update does it: one instance at a time is deregistered from the balancer
 * (HAProxy "drain" = the target group's deregistration: no new requests, in-flight ones finish), sent SIGTERM (the
 * service drains and closes), replaced, and registered again once healthy (HAProxy rise 2).
 */
export function rollingRestart(): Scenario {
  return {
    id: 'rolling-restart',
    title: 'Deployment: rolling SIGTERM restart of all 6 instances',
    ci: false,
    holdMs: 0,
    async inject(ctx) {
      const { haproxy } = ctx.topo;
      ctx.notes.push(
        'Each instance is deregistered (HAProxy drain) 1 s before its SIGTERM, as the rolling update does through the target group, and registered again once healthy; SHUTDOWN_DRAIN_SECONDS=3.',
      );
      for (const inst of ctx.topo.instances) {
        await haproxy.setState(FLEET_BACKEND, inst.name, 'drain');
        await sleep(1_000);
        inst.signal('SIGTERM');
        await inst.waitExit();
        inst.start();
        await inst.waitHealthy();
        await haproxy.setState(FLEET_BACKEND, inst.name, 'ready');
        await haproxy.waitServerUp(FLEET_BACKEND, inst.name);
      }
      ctx.extra.deploymentMs = Math.round(ctx.now() - ctx.faultAt);
    },
    async clear() {
      /* the deployment is its own recovery */
    },
  };
}
