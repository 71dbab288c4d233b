import { cloudWatchAgentConfig } from '../../lib/constructs/service-user-data';
import { createMetrics } from '../../service/src/metrics';
import { FakeDatabase } from '../../service/test/fakes';

type Props = Record<string, any>;

/*
 * The CloudWatch agent turns a Prometheus series into a CloudWatch metric only when the series carries every label
 * of a dimension set its declaration names. So each declaration is checked against what the service really exposes
 * on /metrics (prom-client's text output), not against a copy of the label names.
 */
describe('the agent publishes every metric it declares, with the dimensions it declares', () => {
  const agent = cloudWatchAgentConfig({
    serviceLogGroupName: 'l',
    metricsLogGroupName: 'm',
    metricsNamespace: 'Fixture/service',
  }) as Props;
  const declarations = agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration as Props[];

  let series: { name: string; labels: Set<string> }[];
  beforeAll(async () => {
    const db = new FakeDatabase();
    db.readLatencyState = 'open';
    // A store that served one stale list while the read breaker was open (its counters are all the metric reads).
    const store = {
      stats: {
        staleServed: {
          item: { read_breaker_open: 0, database_unavailable: 0 },
          list: { read_breaker_open: 1, database_unavailable: 0 },
        },
      },
    };
    const metrics = createMetrics({ db, store, processMetrics: false });
    // One request answered, as the server records it.
    metrics.httpRequests.inc({ method: 'GET', route: '/api/items/:id', status: '200' });
    metrics.httpDuration.observe({ method: 'GET', route: '/api/items/:id', status: '200' }, 0.01);
    const text = await metrics.registry.metrics();
    series = text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(l)!;
        const labels = new Set([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((x) => x[1]));
        return { name: m[1], labels };
      });
  });

  test.each(declarations.map((d) => [d.metric_selectors.join(', '), d] as const))(
    'GIVEN the declaration for %s THEN the service exposes each selected metric with every declared dimension as a label',
    (_selectors, declaration) => {
      for (const selector of declaration.metric_selectors as string[]) {
        const matching = series.filter((s) => new RegExp(selector).test(s.name));
        expect({ selector, found: matching.length > 0 }).toEqual({ selector, found: true });
        for (const set of declaration.dimensions as string[][]) {
          const missing = set.filter((d) => !matching.some((s) => s.labels.has(d)));
          expect({ selector, missing }).toEqual({ selector, missing: [] });
        }
      }
    },
  );
});
